import { SourceSet } from '../internal/source-set.js';
import { checkSources, OwnedGenerator, type ItemOf } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';

/**
 * The state of one merge: one `next()` in flight per source at most; settled results wait in `ready`
 * (source indexes, in arrival order) until the consumer takes them.
 */
class Merger<T> extends SourceSet<T> {
  readonly ready: number[] = [];
  /** Sources not ended yet. */
  active = this.sources.length;

  protected override answered(i: number, failed: boolean): void {
    if (!failed) this.ready.push(i);
    this.notify();
  }

  /** Asks source `i` for its next item; a sync source answers at once. May throw (sync sources). */
  pull(i: number): void {
    if (this.request(i)) this.ready.push(i);
  }
}

async function* mergeCore<T>(m: Merger<T>): AsyncGenerator<T, void, undefined> {
  let pulling = -1; // the source being opened or asked synchronously, to tell its errors apart
  let threw = false;
  try {
    for (let i = 0; i < m.sources.length; i++) {
      pulling = i;
      m.open(i);
      m.pull(i);
    }
    pulling = -1;
    while (m.active > 0) {
      if (m.failure !== null) throw m.failure.error;
      if (m.ready.length === 0) {
        await m.wait();
        if (m.closing) return; // return() while waiting for every source: leave without their items
        continue;
      }
      const i = m.ready.shift()!;
      const r = m.results[i]!;
      m.results[i] = undefined;
      if (r.done) {
        m.finished[i] = true;
        m.active--;
        continue;
      }
      yield r.value;
      // Ask again only now that the item was taken: at most one item per source waits here.
      pulling = i;
      m.pull(i);
      pulling = -1;
    }
  } catch (err) {
    threw = true;
    if (pulling >= 0) m.finished[pulling] = true; // that source threw: it is finished
    throw err;
  } finally {
    // The consumer left (not an error): a source mid-production is returned without waiting for it.
    await m.closeSources(threw);
  }
}

/**
 * Interleaves the items of several sync or async iterables (arrays, generators, Readables) in the
 * order they arrive. Ends when every source has ended.
 *
 * - Backpressure: each source has at most one `next()` in flight and at most one item waiting to be
 *   taken, so a fast source cannot run ahead of the consumer; sources are asked for more only as items
 *   are consumed.
 * - Errors: the first error of any source (same object) is thrown once; the other sources are then
 *   returned (their `finally` runs) before it propagates. Items that were waiting are dropped.
 * - Cleanup: an early exit (`break`, `return()`, a downstream `take()`) returns every source that has
 *   not ended, at once. The consumer waits for the cleanup of the idle ones (their `finally` has run
 *   when the loop is left), but not for a source in the middle of producing an item (its `next()`
 *   pending, e.g. awaiting a network read that may never come): its `return()` is called anyway and
 *   runs after that item (an async generator's `finally` then runs, once); a Node stream source is
 *   destroyed at once. A `return()` while the merge waits for every source resolves at once too.
 *
 * @example
 * ```ts
 * import { merge } from 'genstream';
 * import { setTimeout as sleep } from 'node:timers/promises';
 *
 * async function* ticks() { for (let i = 0; ; i++) { await sleep(10); yield `tick ${i}`; } }
 * async function* input() { await sleep(35); yield 'quit'; }
 * for await (const event of merge(ticks(), input(), ['start'])) {
 *   if (event === 'quit') break; // returns ticks() at once, even while it awaits its next tick
 *   console.log(event); // start, tick 0, tick 1, tick 2
 * }
 * ```
 */
export function merge<S extends AnyIterable<unknown>[]>(...sources: S): AsyncGenerator<ItemOf<S[number]>, void, undefined> {
  checkSources('merge', sources);
  const m = new Merger(sources as readonly AnyIterable<ItemOf<S[number]>>[]);
  // The wrapper lets a return() that comes while the loop waits for the sources wake it (see close).
  return new OwnedGenerator(mergeCore(m), (started) => {
    if (started) m.close();
  });
}
