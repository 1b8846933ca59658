import { closeIterators, openIterator, checkSources, OwnedGenerator, type AnyIterator, type ItemOf } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';

/**
 * The state of one merge: one `next()` in flight per source at most; settled results wait in `ready`
 * (source indexes, in arrival order) until the consumer takes them. Result handlers are made once per
 * source, not per item.
 */
class Merger<T> {
  readonly its: (AnyIterator<T> | undefined)[];
  readonly sync: boolean[];
  /** Done or failed: such a source must not be returned. */
  readonly finished: boolean[];
  /** A `next()` of the source is pending (it is producing an item): not waited for on an early exit. */
  readonly inFlight: boolean[];
  readonly results: (IteratorResult<T> | undefined)[];
  readonly ready: number[] = [];
  active: number;
  failure: { error: unknown } | null = null;
  /** The consumer called `return()`/`throw()`: a loop waiting for a source stops waiting. */
  closing = false;
  private wake: (() => void) | null = null;
  private readonly onResult: ((r: IteratorResult<T>) => void)[] = [];
  private readonly onError: ((err: unknown) => void)[] = [];
  private readonly park = (resolve: () => void): void => {
    this.wake = resolve;
  };

  constructor(n: number) {
    this.its = new Array<AnyIterator<T> | undefined>(n);
    this.sync = new Array<boolean>(n).fill(false);
    this.finished = new Array<boolean>(n).fill(false);
    this.inFlight = new Array<boolean>(n).fill(false);
    this.results = new Array<IteratorResult<T> | undefined>(n);
    this.active = n;
    for (let i = 0; i < n; i++) {
      this.onResult.push((r) => {
        this.inFlight[i] = false;
        this.results[i] = r;
        this.ready.push(i);
        this.notify();
      });
      this.onError.push((err) => {
        this.inFlight[i] = false;
        this.finished[i] = true;
        this.failure ??= { error: err };
        this.notify();
      });
    }
  }

  open(i: number, source: AnyIterable<T>): void {
    const { it, sync } = openIterator(source);
    this.its[i] = it;
    this.sync[i] = sync;
  }

  /** Asks source `i` for its next item; a sync source answers at once. May throw (sync sources). */
  pull(i: number): void {
    const it = this.its[i]!;
    if (this.sync[i]) {
      this.results[i] = (it as Iterator<T>).next();
      this.ready.push(i);
    } else {
      const next = it.next();
      this.inFlight[i] = true;
      Promise.resolve(next).then(this.onResult[i], this.onError[i]);
    }
  }

  wait(): Promise<void> {
    return new Promise<void>(this.park);
  }

  /** The consumer leaves: wake the loop if it waits for a source, so its `return()` need not wait. */
  close(): void {
    this.closing = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }
}

async function* mergeCore<T>(sources: readonly AnyIterable<T>[], m: Merger<T>): AsyncGenerator<T, void, undefined> {
  let pulling = -1; // the source being opened or asked synchronously, to tell its errors apart
  let threw = false;
  try {
    for (let i = 0; i < sources.length; i++) {
      pulling = i;
      m.open(i, sources[i]);
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
    await closeIterators(m.its, m.finished, threw, threw && !m.closing ? undefined : m.inFlight, sources);
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
 * for await (const event of merge(clicks(), keys(), [{ type: 'start' }])) {
 *   if (event.type === 'quit') break; // returns clicks() and keys() at once, even if one awaits input
 *   handle(event);
 * }
 * ```
 */
export function merge<S extends AnyIterable<unknown>[]>(...sources: S): AsyncGenerator<ItemOf<S[number]>, void, undefined> {
  checkSources('merge', sources);
  const m = new Merger<ItemOf<S[number]>>(sources.length);
  // The wrapper lets a return() that comes while the loop waits for the sources wake it (see close).
  return new OwnedGenerator(mergeCore(sources as readonly AnyIterable<ItemOf<S[number]>>[], m), (started) => {
    if (started) m.close();
  });
}
