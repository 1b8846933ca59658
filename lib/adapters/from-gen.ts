import { FusedDuplex } from '../internal/fused-duplex.js';
import { GenDuplex, type StageContext } from '../internal/gen-duplex.js';
import { fusableOf } from '../internal/kernel.js';
import { resolveDuplexOptions, type DuplexOptions } from '../internal/options.js';
import type { TypedDuplex } from '../internal/types.js';
import { checkFunction, checkStreamOptions, stageName } from '../internal/validate.js';

export type { StageContext };

/** Options of {@link fromGen}. */
export type FromGenOptions = DuplexOptions;

/**
 * Runs a generator stage as a Duplex, usable anywhere a Transform is: `stream.pipeline`,
 * `stream/promises`, `.pipe()`. Written chunks become the source `fn` iterates; what `fn` yields is the
 * readable side.
 *
 * - Backpressure: `fn` is only resumed when the readable side wants data, and writes wait while the
 *   source buffer holds `writableHighWaterMark` items, so memory stays bounded by the high-water marks.
 * - End: `end()` ends `fn`'s source; what `fn` yields after its loop (a flush) comes before `'end'`.
 * - Cleanup: `fn`'s `finally` runs on normal end, error, `destroy()`, abort and early exit. When `fn`
 *   stops reading early, a genstream upstream ends gracefully; a foreign upstream is drained.
 * - Errors: an error thrown by `fn` destroys the Duplex with the same error object. Yielding
 *   `null`/`undefined` in object mode, or a non-Buffer/string in byte mode, fails with a
 *   {@link NullValueError} / {@link InvalidChunkError} naming the stage.
 *
 * `fn` is called with `(source, { signal })`; `signal` aborts when the Duplex is destroyed. A fusable
 * operator (`fromGen(map(f))`, `fromGen(take(5))`) runs without a generator, as fast as a Transform.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { fromGen, toReadable, toWritable } from 'genstream';
 *
 * await pipeline(
 *   toReadable(['a', 'b']),
 *   fromGen(async function* upper(source: AsyncIterable<string>) {
 *     for await (const s of source) yield s.toUpperCase();
 *   }),
 *   toWritable(async (rows) => { for await (const r of rows) console.log(r); }),
 * );
 * ```
 */
export function fromGen<I, O>(
  fn: (source: AsyncIterable<I>, ctx: StageContext) => AsyncIterable<O> | Iterable<O>,
  options?: FromGenOptions,
): TypedDuplex<I, O> {
  checkFunction('fromGen', 'fn', fn);
  checkStreamOptions('fromGen', options);
  const where = `fromGen: stage ${stageName(fn, options?.name)}`;
  // A fusable operator (map, filter, take, ...) needs no generator: run it as a Transform-like stream.
  const fusable = fusableOf(fn);
  if (fusable !== undefined) return new FusedDuplex([{ info: fusable, stage: -1 }], where, resolveDuplexOptions(options));
  return new GenDuplex<I, O>(fn, where, resolveDuplexOptions(options));
}
