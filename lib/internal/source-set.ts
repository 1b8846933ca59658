/**
 * The per-source state of a combinator that reads several sources at once (`merge`, `zip`): each
 * source's iterator, whether it is sync, finished or producing an item, its latest result, the first
 * failure, and a one-waiter wake-up for the combinator's loop. What to do with an answer (queue it,
 * count a round down) is the combinator's own, in {@link SourceSet.answered}.
 */
import { closeIterators, openIterator, type AnyIterator } from './sources.js';
import type { AnyIterable } from './types.js';

export abstract class SourceSet<T> {
  readonly its: (AnyIterator<T> | undefined)[];
  readonly sync: boolean[];
  /** Done or failed: such a source must not be returned. */
  readonly finished: boolean[];
  /** A `next()` of the source is pending (it is producing an item): not waited for on an early exit. */
  readonly inFlight: boolean[];
  /** Each source's latest answer, until the combinator takes it. */
  readonly results: (IteratorResult<T> | undefined)[];
  failure: { error: unknown } | null = null;
  /** The consumer called `return()`/`throw()`: a loop waiting for a source stops waiting. */
  closing = false;
  private wake: (() => void) | null = null;
  // Made once per source (and `park` once per set), so an answer or a wait allocates no closure.
  private readonly onResult: ((r: IteratorResult<T>) => void)[] = [];
  private readonly onError: ((err: unknown) => void)[] = [];
  private readonly park = (resolve: () => void): void => {
    this.wake = resolve;
  };

  constructor(readonly sources: readonly AnyIterable<T>[]) {
    const n = sources.length;
    this.its = new Array<AnyIterator<T> | undefined>(n);
    this.sync = new Array<boolean>(n).fill(false);
    this.finished = new Array<boolean>(n).fill(false);
    this.inFlight = new Array<boolean>(n).fill(false);
    this.results = new Array<IteratorResult<T> | undefined>(n);
    for (let i = 0; i < n; i++) {
      this.onResult.push((r) => {
        this.inFlight[i] = false;
        this.results[i] = r;
        this.answered(i, false);
      });
      this.onError.push((err) => {
        this.inFlight[i] = false;
        this.finished[i] = true;
        this.failure ??= { error: err };
        this.answered(i, true);
      });
    }
  }

  /**
   * An async source's `next()` settled: its result is in `results[i]`, or (`failed`) it is finished
   * and `failure` holds the first error. The combinator wakes its loop from here when it should.
   */
  protected abstract answered(i: number, failed: boolean): void;

  /** Opens the iterator of source `i`. May throw synchronously. */
  open(i: number): void {
    const { it, sync } = openIterator(this.sources[i]);
    this.its[i] = it;
    this.sync[i] = sync;
  }

  /**
   * Asks source `i` for its next item. Returns true when a sync source answered at once (the result is
   * in `results[i]`), false when the answer comes later through {@link answered}. May throw synchronously.
   */
  protected request(i: number): boolean {
    const it = this.its[i]!;
    if (this.sync[i]) {
      this.results[i] = (it as Iterator<T>).next();
      return true;
    }
    const next = it.next();
    this.inFlight[i] = true;
    Promise.resolve(next).then(this.onResult[i], this.onError[i]);
    return false;
  }

  /** Resolves at the next {@link notify} (an answer the combinator wakes for, or the consumer leaving). */
  wait(): Promise<void> {
    return new Promise<void>(this.park);
  }

  /** The consumer leaves: wake the loop if it waits for a source, so its `return()` need not wait. */
  close(): void {
    this.closing = true;
    this.notify();
  }

  /**
   * The combinator's `finally`: returns every source not finished, concurrently. When the consumer left
   * (not an error), a source mid-production is returned without waiting for it (see `closeIterators`);
   * a failure to close is rethrown only when nothing `threw`.
   */
  closeSources(threw: boolean): Promise<void> {
    return closeIterators(this.its, this.finished, threw, threw && !this.closing ? undefined : this.inFlight, this.sources);
  }

  protected notify(): void {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }
}
