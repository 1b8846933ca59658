import { generatorOperator, type Operator } from '../internal/operator.js';
import { checkEncoding, ChunkDecoder } from '../internal/text.js';
import type { AnyIterable } from '../internal/types.js';

async function* decodeCore(encoding: BufferEncoding, source: AnyIterable<string | Uint8Array>): AsyncGenerator<string, void, undefined> {
  const decoder = new ChunkDecoder(encoding, 'decode');
  for await (const chunk of source) {
    const text = decoder.write(chunk);
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
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
  return generatorOperator('decode', (source) => decodeCore(encoding, source));
}
