/**
 * The machinery behind `tee()` and `fork()`: one source read once, its items kept in a shared buffer
 * until every active branch has taken them. Invariants:
 * - `base <= pos[k] <= end` for every active branch `k`; the buffer holds items `base..end-1`, where
 *   `base` is the position of the slowest active branch.
 * - A pull is made only when `end - base < bufferSize`, so no branch is ever more than `bufferSize`
 *   items ahead of the slowest one; at most one pull is in flight.
 * - A branch that is returned (or ends) stops counting, so it no longer holds the others back; when no
 *   branch is active any more, the source is returned (unless it had ended or failed) — without
 *   waiting when a pull is in flight (the source is producing an item that may never come).
 * - A branch waits (for the pull in flight or for space) as one of `spaceWaiters`, woken by the pull's
 *   result, by space, and by a branch being returned: so a branch returned while it waits leaves at once.
 */
import { OwnedGenerator, openIterator, releaseUnstarted, returnInFlight, type AnyIterator } from './sources.js';
import type { AnyIterable } from './types.js';

export class Tee<T> {
  private it: AnyIterator<T> | undefined; // opened by the first pull, so a source nobody reads is not started
  private sync = false;
  private buf: (T | undefined)[] = [];
  private head = 0; // buf[head] is item number `base`
  private base = 0;
  private end = 0;
  private readonly pos: number[];
  private readonly active: boolean[];
  private activeCount: number;
  /** A `next()` of the source is pending. */
  private pulling = false;
  /** Set while a sync `next()` runs, so a branch that catches its throw records it as the source's. */
  inPull = false;
  private sourceDone = false;
  private failed = false;
  private aborted = false;
  private error: unknown = undefined;
  private spaceWaiters: (() => void)[] = [];
  private readonly onResult = (r: IteratorResult<T>): void => {
    this.pulling = false;
    this.accept(r);
    this.wakeWaiters();
  };
  private readonly onError = (err: unknown): void => {
    this.pulling = false;
    this.sourceFailed(err);
    this.wakeWaiters();
  };
  private readonly addWaiter = (resolve: () => void): void => {
    this.spaceWaiters.push(resolve);
  };

  constructor(
    private readonly source: AnyIterable<T>,
    n: number,
    private readonly bufferSize: number,
  ) {
    this.pos = new Array<number>(n).fill(0);
    this.active = new Array<boolean>(n).fill(true);
    this.activeCount = n;
  }

  /** The `n` branches, each an async generator that also releases its share when returned unstarted. */
  branches(): AsyncGenerator<T, void, undefined>[] {
    const out: AsyncGenerator<T, void, undefined>[] = [];
    for (let k = 0; k < this.pos.length; k++) {
      out.push(new OwnedGenerator(this.branch(k), () => this.deactivate(k)));
    }
    return out;
  }

  /** Fails every branch at its next step with `err` (fork: one consumer failed, stop the others). */
  abort(err: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.error = err;
    this.wakeWaiters();
  }

  private async *branch(k: number): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        if (!this.active[k]) return; // returned while waiting
        if (this.aborted) throw this.error;
        const p = this.pos[k];
        if (p < this.end) {
          const value = this.buf[this.head + p - this.base] as T;
          this.pos[k] = p + 1;
          if (p === this.base) this.trim(); // this branch may have been the slowest
          yield value;
          continue;
        }
        if (this.sourceDone) {
          if (this.failed) throw this.error;
          return;
        }
        const wait = this.fill();
        if (wait !== undefined) await wait;
      }
    } catch (err) {
      if (this.inPull) {
        this.inPull = false;
        this.sourceFailed(err);
      }
      throw err;
    } finally {
      await this.deactivate(k);
    }
  }

  /** Pulls one item, or returns a promise to wait for the pull in flight or for buffer space. */
  private fill(): Promise<void> | undefined {
    if (this.pulling || this.end - this.base >= this.bufferSize) return new Promise<void>(this.addWaiter);
    if (this.it === undefined) {
      this.inPull = true;
      const opened = openIterator(this.source);
      this.inPull = false;
      this.it = opened.it;
      this.sync = opened.sync;
    }
    if (this.sync) {
      this.inPull = true;
      const r = (this.it as Iterator<T>).next();
      this.inPull = false;
      this.accept(r);
      return undefined;
    }
    this.inPull = true;
    const next = this.it.next();
    this.inPull = false;
    this.pulling = true;
    Promise.resolve(next).then(this.onResult, this.onError);
    return new Promise<void>(this.addWaiter);
  }

  private accept(r: IteratorResult<T>): void {
    if (r.done) {
      this.sourceDone = true;
      return;
    }
    this.buf.push(r.value);
    this.end++;
  }

  private sourceFailed(err: unknown): void {
    this.sourceDone = true;
    this.failed = true;
    this.error = err;
  }

  /** Drops the items every active branch has taken, and wakes branches waiting for space. */
  private trim(): void {
    let min = this.end;
    for (let k = 0; k < this.pos.length; k++) if (this.active[k] && this.pos[k] < min) min = this.pos[k];
    if (min === this.base) return;
    for (let i = this.base; i < min; i++) this.buf[this.head + i - this.base] = undefined;
    this.head += min - this.base;
    this.base = min;
    if (this.head === this.buf.length) {
      this.buf.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buf.length) {
      // Compact now and then, not per item: the buffer is a queue with a moving head.
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.spaceWaiters.length === 0) return;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Branch `k` stops counting; the last one returns the source. Idempotent. */
  private async deactivate(k: number): Promise<void> {
    if (!this.active[k]) return;
    this.active[k] = false;
    this.activeCount--;
    this.trim();
    this.wakeWaiters();
    if (this.activeCount > 0 || this.sourceDone) return;
    this.sourceDone = true; // no more pulls
    // Never read: release a one-shot source (generator, Readable) anyway.
    if (this.it === undefined) await releaseUnstarted(this.source);
    else if (this.pulling) returnInFlight(this.it, this.source); // mid-production: do not wait for its item
    else if (typeof this.it.return === 'function') await this.it.return();
  }
}
