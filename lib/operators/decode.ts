import { Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkEncoding, ChunkDecoder } from '../internal/text.js';

/** The fused step: one text item per chunk that completes at least one character. */
class DecodeStep extends Step {
  private readonly decoder: ChunkDecoder;

  constructor(
    encoding: BufferEncoding,
    private readonly state: KernelState,
  ) {
    super();
    this.decoder = new ChunkDecoder(encoding, 'decode');
  }

  push(chunk: unknown): Pending {
    let text: string;
    try {
      text = this.decoder.write(chunk);
    } catch (err) {
      return this.fail(err);
    }
    if (text.length > 0) return this.next.push(text);
  }

  override flush(): Pending {
    const rest = this.state.stopped ? '' : this.decoder.end();
    const p = rest.length > 0 ? this.next.push(rest) : undefined;
    return p === undefined ? this.next.flush() : p.then(() => this.next.flush());
  }
}

/**
 * Decodes bytes to strings in `encoding` (default `'utf8'`), safe across chunk boundaries: the first
 * bytes of a character split between two chunks are held until the rest arrives (an incomplete
 * character at the very end becomes U+FFFD). String chunks pass through; empty strings are not emitted.
 *
 * - Backpressure: one output per input chunk at most (plus one at the end), nothing buffered but the
 *   bytes of an incomplete character.
 * - Errors: a chunk that is not a string, Buffer or Uint8Array fails with `ERR_GENSTREAM_INVALID_CHUNK`;
 *   source errors pass through as the same object.
 * - Cleanup: an early exit returns the source, so its `finally` runs.
 *
 * @example
 * ```ts
 * import { decode, toArray } from 'genstream';
 * const euro = Buffer.from('€'); // 3 bytes
 * await toArray(decode()([euro.subarray(0, 1), euro.subarray(1)])); // ['€']
 * ```
 */
export function decode(encoding: BufferEncoding = 'utf8'): Operator<string | Uint8Array, string> {
  checkEncoding('decode', 'encoding', encoding);
  return fusable('decode', (state) => new DecodeStep(encoding, state));
}
