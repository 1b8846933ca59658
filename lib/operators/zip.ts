import { checkSources, closeIterators, openIterator, type AnyIterator, type ItemOf } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';

/** The tuple `zip` yields for sources `S`: `[number, string]` for `(number[], AsyncIterable<string>)`. */
export type ZipItem<S extends readonly unknown[]> = { [K in keyof S]: ItemOf<S[K]> };

async function* zipCore(sources: readonly AnyIterable<unknown>[]): AsyncGenerator<unknown[], void, undefined> {
  const n = sources.length;
  if (n === 0) return;
  const its = new Array<AnyIterator<unknown> | undefined>(n);
  const sync = new Array<boolean>(n).fill(false);
  const finished = new Array<boolean>(n).fill(false); // done or failed: must not be returned
  const round = new Array<unknown>(n); // this round's next() results (or promises of them)
  let started = 0; // how many entries of `round` belong to the current round
  let pulling = -1;
  let threw = false;
  try {
    for (let i = 0; i < n; i++) {
      pulling = i;
      const opened = openIterator(sources[i]);
      its[i] = opened.it;
      sync[i] = opened.sync;
    }
    for (;;) {
      // Ask every source at once, so slow async sources wait in parallel.
      let anyAsync = false;
      started = 0;
      for (let i = 0; i < n; i++) {
        pulling = i;
        round[i] = its[i]!.next();
        started++;
        if (!sync[i]) anyAsync = true;
      }
      pulling = -1;
      const results = (anyAsync ? await Promise.all(round) : round) as IteratorResult<unknown>[];
      const tuple = new Array<unknown>(n);
      let ended = false;
      for (let i = 0; i < n; i++) {
        const r = results[i];
        if (r.done) {
          finished[i] = true;
          ended = true;
        } else tuple[i] = r.value;
      }
      if (ended) return; // the shortest ended: the others are returned below (their items this round are dropped)
      yield tuple;
    }
  } catch (err) {
    threw = true;
    if (pulling >= 0) finished[pulling] = true;
    // Settle this round's other requests (no unhandled rejection) and mark the sources that failed.
    const settled = await Promise.allSettled(round.slice(0, started));
    for (let i = 0; i < settled.length; i++) if (settled[i].status === 'rejected') finished[i] = true;
    throw err;
  } finally {
    await closeIterators(its, finished, threw);
  }
}

/**
 * Pairs up the items of several sync or async iterables: yields `[a0, b0, ...]`, `[a1, b1, ...]`, ...
 * until the shortest source ends, like Python's `zip`. Tuple types infer: `zip([1], ['a'])` is an
 * `AsyncGenerator<[number, string]>`.
 *
 * - Backpressure: one item per source per tuple; all sources are asked at once and nothing is read
 *   ahead of the consumer.
 * - Errors: the first source error (same object) is thrown after the round's other requests settle;
 *   the other sources are returned.
 * - Cleanup: when the shortest source ends, or on an early exit or error, every source that has not
 *   ended is returned (its `finally` runs); items the longer sources gave for the unfinished round are
 *   dropped.
 *
 * @example
 * ```ts
 * import { zip } from 'genstream';
 * for await (const [n, name] of zip([1, 2, 3], ['a', 'b'])) console.log(n, name); // 1 a, 2 b
 * ```
 */
export function zip<S extends AnyIterable<unknown>[]>(...sources: S): AsyncGenerator<ZipItem<S>, void, undefined> {
  checkSources('zip', sources);
  return zipCore(sources) as AsyncGenerator<ZipItem<S>, void, undefined>;
}
