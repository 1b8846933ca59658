import { Tee } from '../internal/tee.js';
import type { AnyIterable } from '../internal/types.js';
import { checkOptions, checkPositiveInt, fail, isIterable } from '../internal/validate.js';

/** Options of {@link tee} and {@link fork}. */
export interface TeeOptions {
  /**
   * How many items the fastest branch may be ahead of the slowest one: the most items held in memory
   * for the branches. When the buffer is full, the fast branches wait. `Infinity` lets fast branches
   * run freely (memory grows with the gap). Default `16`.
   */
  bufferSize?: number;
}

/** Default `bufferSize` of `tee()` and `fork()`. */
export const DEFAULT_TEE_BUFFER = 16;

/** Checks the options shared by `tee()` and `fork()`; returns the buffer size. */
export function teeBufferSize(where: string, options: TeeOptions | undefined): number {
  checkOptions(where, options);
  const size = options?.bufferSize ?? DEFAULT_TEE_BUFFER;
  checkPositiveInt(where, 'options.bufferSize', size, true);
  return size;
}

/**
 * Splits one source into `n` async generators ("branches") that each yield every item, like Python's
 * `itertools.tee` but with backpressure. The source is read once, only as fast as the branches need,
 * and each item is kept only until every branch has taken it.
 *
 * - Backpressure: the slowest branch sets the pace. A branch may run at most `bufferSize` items
 *   (default 16) ahead of the slowest; then it waits until the slowest catches up. Every branch must be
 *   consumed or returned — one that is never read holds the others back once they are `bufferSize`
 *   ahead (read the branches concurrently, e.g. with `Promise.all`, not one after another).
 * - Errors: a source error reaches every branch, as the same object, after the items before it.
 * - Cleanup: a branch that is returned (`break`, `return()`, even before its first `next()`) stops
 *   counting, so it no longer holds the others back. When every branch has ended or been returned,
 *   the source is returned (its `finally` runs) unless it had ended or failed.
 *
 * @example
 * ```ts
 * import { tee } from 'genstream';
 *
 * async function* readRows() { for (let id = 1; id <= 100; id++) yield { id }; }
 * const [a, b] = tee(readRows(), 2);
 * const [count, sample] = await Promise.all([
 *   (async () => { let n = 0; for await (const _ of a) n++; return n; })(),
 *   (async () => { const out = []; for await (const row of b) { out.push(row); if (out.length === 3) break; } return out; })(),
 * ]);
 * ```
 */
export function tee<T>(source: AnyIterable<T>, n: number, options?: TeeOptions): AsyncGenerator<T, void, undefined>[] {
  if (!isIterable(source)) fail('tee', '`source` to be an iterable or async iterable', source);
  checkPositiveInt('tee', 'n', n);
  const bufferSize = teeBufferSize('tee', options);
  return new Tee(source, n, bufferSize).branches();
}
