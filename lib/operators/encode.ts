import { InvalidChunkError, describe } from '../internal/errors.js';
import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkEncoding } from '../internal/text.js';

class EncodeStep extends Step {
  constructor(private readonly encoding: BufferEncoding) {
    super();
  }

  push(value: unknown): Pending {
    if (typeof value === 'string') return this.next.push(Buffer.from(value, this.encoding));
    if (Buffer.isBuffer(value)) return this.next.push(value);
    if (value instanceof Uint8Array) return this.next.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    this.fail(
      new InvalidChunkError('encode', value, `encode: expected each item to be a string, Buffer or Uint8Array, got ${describe(value)}; ` +
          'map items to text first (e.g. with ndjsonStringify() or String)',
      ),
    );
  }
}

/**
 * Encodes strings to Buffers in `encoding` (default `'utf8'`), one Buffer per string; Buffers pass
 * through and other Uint8Arrays become Buffers over the same memory. For `'hex'` and `'base64'` each
 * string must hold whole units (an even number of hex digits, a multiple of 4 base64 characters).
 * Fusable: no buffering, one output per input.
 *
 * - Errors: an item that is not a string, Buffer or Uint8Array fails with `ERR_GENSTREAM_INVALID_CHUNK`;
 *   source errors pass through as the same object.
 * - Cleanup: an early exit returns the source, so its `finally` runs.
 *
 * @example
 * ```ts
 * import { encode, toArray } from 'genstream';
 * await toArray(encode()(['hé'])); // [<Buffer 68 c3 a9>]
 * ```
 */
export function encode(encoding: BufferEncoding = 'utf8'): Operator<string | Uint8Array, Buffer> {
  checkEncoding('encode', 'encoding', encoding);
  return fusable('encode', () => new EncodeStep(encoding));
}
