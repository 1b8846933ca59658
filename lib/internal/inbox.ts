/**
 * The write side of the stream<->generator bridge: a bounded FIFO that a Writable's `_write`/`_writev`
 * fill and an async generator consumes with `for await`. Used by `fromGen`, `toWritable` and `chain`.
 *
 * Backpressure: while the queue holds `limit` items (or bytes) or more, the Writable's write callback
 * is held, so the Writable buffers and `write()` returns false upstream. Taking items releases it.
 * A chunk can also be `offer()`ed without a callback (the owner's fast `write()`): a full queue then
 * answers false, and `onDrain` runs once it is empty again, like a Writable's `'drain'`.
 *
 * Hot path: `next()` on a non-empty queue returns an already-resolved promise without allocating a
 * closure; a promise with resolvers is only created when the consumer has to wait (once per wake-up,
 * after which it drains everything that arrived in the meantime). Before waiting, `next()` lets the
 * owner `refill` the empty queue synchronously (by reading its upstream), so a consumer that keeps up
 * with a synchronous upstream never waits, and no tick passes between an item and the next.
 */
import type { Readable, Writable } from 'node:stream';
import { reuseError } from './guards.js';

type Callback = (err?: Error | null) => void;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const RESOLVED_DONE = Promise.resolve(DONE);

/** Method genstream streams expose so a stage below them can ask them to end gracefully. */
export const kStopRequested: unique symbol = Symbol.for('genstream.stopRequested') as never;

/** A stream genstream made: it can end gracefully when the stage below it stops early. */
export interface Stoppable {
  [kStopRequested](): void;
}

export function isStoppable(value: unknown): value is Stoppable {
  return value != null && typeof (value as Record<symbol, unknown>)[kStopRequested] === 'function';
}

export class Inbox<T> implements AsyncIterableIterator<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private size = 0;
  private held: Callback | null = null;
  /** An `offer()` found the queue full: `onDrain` is owed once it empties. */
  private needDrain = false;
  private waitResolve: ((r: IteratorResult<T>) => void) | null = null;
  private waitReject: ((err: unknown) => void) | null = null;
  private ended = false;
  private failed = false;
  private failure: unknown = undefined;
  /** The consumer has seen the end, returned early, or the inbox failed: nothing more will be read. */
  settled = false;
  /** The consumer stopped before the end (break, return, or never read it all). */
  returned = false;
  /** Called once when `settled` becomes true. */
  onSettled: (() => void) | null = null;
  /** Called once when the consumer stops before the end of its input. */
  onReturned: (() => void) | null = null;
  /** Called when the queue empties after an `offer()` found it full, or when the consumer leaves. */
  onDrain: (() => void) | null = null;
  /**
   * Called by `next()` on an empty queue that is still open, before the consumer waits: the owner may
   * add items synchronously (it must not wait or call back into `next()`).
   */
  refill: (() => void) | null = null;

  constructor(
    private readonly limit: number,
    private readonly countBytes: boolean,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Producer: add one chunk; `cb` is called now, or later when the consumer has made room. */
  push(chunk: T, cb: Callback): void {
    if (this.settled) return cb(); // the consumer is gone: what it did not read is not wanted
    this.add(chunk);
    this.afterAdd(cb);
  }

  /**
   * Producer: add one chunk without a callback (a `write()` that bypasses the Writable's buffer).
   * Returns false once the queue holds `limit` or more; `onDrain` follows when it has been emptied.
   */
  offer(chunk: T): boolean {
    if (this.settled) return true; // the consumer is gone: accepted and dropped
    this.add(chunk);
    if (this.waitResolve !== null) this.wake();
    if (this.size < this.limit) return true;
    this.needDrain = true;
    return false;
  }

  /** The queue holds `limit` items (or bytes) or more: a producer should wait. */
  get full(): boolean {
    return this.size >= this.limit;
  }

  /** An `offer()` was refused and the queue has not been emptied since (`writableNeedDrain`). */
  get draining(): boolean {
    return this.needDrain;
  }

  /** Producer: add a batch of chunks from `_writev`. */
  pushMany(chunks: { chunk: T }[], cb: Callback): void {
    if (this.settled) return cb();
    for (let i = 0; i < chunks.length; i++) this.add(chunks[i].chunk);
    this.afterAdd(cb);
  }

  /** Producer: no more chunks; the consumer sees `done` after the queued ones. */
  end(): void {
    this.ended = true;
    if (this.waitResolve !== null && this.head === this.items.length) this.wake();
  }

  /** Producer: the stream was destroyed; the consumer's pending and next reads reject with `err`. */
  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = err;
    this.clear();
    const reject = this.waitReject;
    this.waitResolve = this.waitReject = null;
    this.needDrain = false; // a destroyed stream emits no 'drain'
    this.releaseHeld();
    this.settle();
    if (reject !== null) reject(err);
  }

  /** Producer side of a graceful stop: the consumer sees `done` now; queued chunks are dropped. */
  stop(): void {
    if (this.settled) return;
    const resolve = this.waitResolve;
    this.waitResolve = this.waitReject = null;
    this.markReturned(true); // stopping is an early stop, even after `end()`
    this.ended = true;
    if (resolve !== null) resolve(DONE);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.refill !== null && !this.failed && !this.ended && !this.settled) {
      this.refill();
      if (this.head < this.items.length) return Promise.resolve({ done: false, value: this.take() });
    }
    if (this.failed) return Promise.reject(this.failure);
    // Ended, or returned by the consumer (a next() after return() is done, never a wait).
    if (this.ended || this.settled) {
      this.settle();
      return RESOLVED_DONE;
    }
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.waitResolve = resolve;
      this.waitReject = reject;
    });
  }

  /** Consumer stopped (`break` in `for await`, or the stage finished without reading everything). */
  return(): Promise<IteratorResult<T>> {
    this.markReturned();
    return RESOLVED_DONE;
  }

  /** Removes and returns the head chunk; the queue must not be empty. */
  private take(): T {
    const value = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) this.items.length = this.head = 0;
    this.size -= this.countBytes ? (value as { length: number }).length : 1;
    if (this.size === 0) {
      if (this.held !== null) this.releaseHeld();
      if (this.needDrain) this.drained();
    }
    return value;
  }

  /** `early`: count as stopping before the end even if the producer has ended. */
  private markReturned(early = false): void {
    if (this.settled) return;
    this.returned = early || !this.ended || this.head < this.items.length;
    this.clear();
    this.releaseHeld();
    this.settle();
    if (this.returned && this.onReturned !== null) this.onReturned();
    // A producer waiting to write may go on: what it writes now is accepted and dropped.
    if (this.needDrain) this.drained();
  }

  private add(chunk: T): void {
    this.items.push(chunk);
    this.size += this.countBytes ? (chunk as { length: number }).length : 1;
  }

  private afterAdd(cb: Callback): void {
    if (this.waitResolve !== null) this.wake();
    if (this.size < this.limit) cb();
    else this.held = cb;
  }

  private wake(): void {
    const resolve = this.waitResolve as (r: IteratorResult<T>) => void;
    this.waitResolve = this.waitReject = null;
    if (this.head < this.items.length) resolve({ done: false, value: this.take() });
    else {
      this.settle();
      resolve(DONE);
    }
  }

  private drained(): void {
    this.needDrain = false;
    if (this.onDrain !== null) this.onDrain();
  }

  private releaseHeld(): void {
    const cb = this.held;
    if (cb !== null) {
      this.held = null;
      cb();
    }
  }

  private clear(): void {
    this.items.length = this.head = this.size = 0;
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.onSettled !== null) this.onSettled();
  }
}

/**
 * Remembers the stream piped into `stream` (from the `'pipe'` event), for graceful early stops. A stream
 * that has already finished (or was destroyed) refuses a new upstream: Node would leave that pipeline
 * hanging with its items dropped, so the upstream is failed with an {@link AlreadyUsedError} instead.
 */
export function trackUpstream(stream: Writable, holder: { upstream: Readable | null }, where: string): void {
  stream.on('pipe', (src: Readable) => {
    if (stream.writableEnded || stream.destroyed) {
      src.destroy(reuseError(where));
      return;
    }
    holder.upstream = src;
  });
  stream.on('unpipe', (src: Readable) => {
    if (holder.upstream === src) holder.upstream = null;
  });
}

/** Asks a genstream upstream to end gracefully; a foreign upstream is left to run and drained. */
export function stopUpstream(upstream: Readable | null): void {
  if (upstream !== null && isStoppable(upstream)) upstream[kStopRequested]();
}

