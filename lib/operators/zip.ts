import { SourceSet } from '../internal/source-set.js';
import { checkSources, OwnedGenerator, type ItemOf } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';

/** The tuple `zip` yields for sources `S`: `[number, string]` for `(number[], AsyncIterable<string>)`. */
export type ZipItem<S extends readonly unknown[]> = { [K in keyof S]: ItemOf<S[K]> };

/**
 * The state of one zip: each round asks every source once; the async answers are counted down in
 * `waiting`, and the loop is woken when the round is complete (or the consumer leaves).
 */
class Zipper extends SourceSet<unknown> {
  /** Async requests of this round not answered yet. */
  waiting = 0;

  protected override answered(): void {
    if (--this.waiting === 0) this.notify();
  }

  /** Asks source `i` for its next item; a sync source answers at once. May throw synchronously. */
  ask(i: number): void {
    if (!this.request(i)) this.waiting++;
  }

  /** Waits until every request of the round is answered, or the consumer leaves. */
  async settleRound(): Promise<void> {
    while (this.waiting > 0 && !this.closing) await this.wait();
  }
}

async function* zipCore(z: Zipper): AsyncGenerator<unknown[], void, undefined> {
  const n = z.sources.length;
  if (n === 0) return;
  const { finished, results } = z;
  let pulling = -1;
  let threw = false;
  try {
    for (let i = 0; i < n; i++) {
      pulling = i;
      z.open(i);
    }
    for (;;) {
      // Ask every source at once, so slow async sources wait in parallel.
      for (let i = 0; i < n; i++) {
        pulling = i;
        z.ask(i);
      }
      pulling = -1;
      if (z.waiting > 0) await z.settleRound(); // all sync: no promise for the round
      if (z.closing) return; // return() while the round waits: leave without its items
      if (z.failure !== null) throw z.failure.error;
      const tuple = new Array<unknown>(n);
      let ended = false;
      for (let i = 0; i < n; i++) {
        const r = results[i]!;
        results[i] = undefined;
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
    // Settle this round's other requests (no unhandled rejection; the ones that failed are marked).
    if (z.waiting > 0) await z.settleRound();
    throw err;
  } finally {
    // The consumer left (not an error): a source mid-production is returned without waiting for it.
    await z.closeSources(threw);
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
 *   dropped. A `return()` while a round waits (a source in the middle of producing an item that may
 *   never come) resolves at once: that source's `return()` is called without waiting for it (it runs
 *   after the pending item; an async generator's `finally` then runs, once) and a Node stream source
 *   is destroyed.
 *
 * @example
 * ```ts
 * import { zip } from 'genstream';
 * for await (const [n, name] of zip([1, 2, 3], ['a', 'b'])) console.log(n, name); // 1 a, 2 b
 * ```
 */
export function zip<S extends AnyIterable<unknown>[]>(...sources: S): AsyncGenerator<ZipItem<S>, void, undefined> {
  checkSources('zip', sources);
  const z = new Zipper(sources);
  // The wrapper lets a return() that comes while a round waits wake the loop (see close).
  return new OwnedGenerator(zipCore(z), (started) => {
    if (started) z.close();
  }) as unknown as AsyncGenerator<ZipItem<S>, void, undefined>;
}
