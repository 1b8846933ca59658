import { checkSources, closeUnstarted, type ItemOf } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';

async function* concatCore<T>(sources: readonly AnyIterable<T>[]): AsyncGenerator<T, void, undefined> {
  let i = 0;
  let threw = false;
  try {
    for (; i < sources.length; i++) {
      for await (const item of sources[i]) yield item;
    }
  } catch (err) {
    threw = true;
    throw err;
  } finally {
    // for-await returned (or saw fail) the current source; release the ones never started.
    if (i + 1 < sources.length) await closeUnstarted(sources, i + 1, threw);
  }
}

/**
 * Yields every item of the first source, then of the second, and so on. Sources may be sync or async
 * iterables (arrays, generators, Readables); each is opened only when the previous one has ended.
 *
 * - Backpressure: reads one source at a time, one item at a time, nothing ahead of the consumer.
 * - Errors: a source error passes through as the same object.
 * - Cleanup: an early exit or an error returns the current source (its `finally` runs) and also closes
 *   the sources not started yet, so a generator or Readable passed in is released (for arrays and
 *   other reusable iterables this does nothing).
 *
 * @example
 * ```ts
 * import { concat, toArray } from 'genstream';
 * async function* rows() { yield 'a,1'; yield 'b,2'; }
 * await toArray(concat(['name,n'], rows(), ['end'])); // ['name,n', 'a,1', 'b,2', 'end']
 * ```
 */
export function concat<S extends AnyIterable<unknown>[]>(...sources: S): AsyncGenerator<ItemOf<S[number]>, void, undefined> {
  checkSources('concat', sources);
  return concatCore(sources as readonly AnyIterable<ItemOf<S[number]>>[]);
}
