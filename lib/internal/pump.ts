/**
 * The read side of the stream<->generator bridge: pulls from an (async or sync) iterator only when the
 * Readable asks (`_read`), and keeps pushing while `push()` returns true, so one `_read` moves many
 * items. Used by `toReadable`, `fromGen` and `chain`.
 *
 * Hot path: the async loop is `it.next().then(onNext, onError)` with handlers bound once per stream,
 * so no closure is allocated per item. Sync iterators (arrays, sync generators) are drained in a plain
 * loop with no promise at all; a thenable they yield is awaited before the next `next()` (as `for await`
 * and `Readable.from` do), so nothing runs ahead of a promise that may reject.
 *
 * Errors come after the items produced before them: when the iterator fails while items wait in the
 * readable buffer of a stream that is being consumed, the stream is destroyed only once the consumer has
 * read them (the owning stream calls `afterRead()` from its `read()`).
 *
 * Destroy: `abort(err)` ends the iterator without waiting for it — with `throw(err)` when there is an
 * error (so the generator's `catch` sees why, as with `Readable.from`), else `return()`.
 */
import type { Readable } from 'node:stream';
import { InvalidChunkError, NotIterableError, NullValueError } from './errors.js';
import { ErrorAfterItems } from './after-items.js';
import { isThenable } from './kernel.js';
import { tagError } from './stage-error.js';

const noop = (): void => {};

export type AnyIterator<T> = AsyncIterator<T> | Iterator<T>;

/** Hooks the owning stream provides. */
export interface PumpOwner {
  /** Called once when the iterator is finished (done, stopped or failed), before `push(null)`. */
  onIteratorDone?(): void;
  /** The chain stage whose output this pump carries: a bad value it yields is attributed to it. */
  origin?: StageOrigin;
}

/** A stage of a `chain()`: its index and label, as `failedStage()` reports them. */
export interface StageOrigin {
  index: number;
  label: string;
}

/** Turns the value a stage returned into an iterator, or throws a NotIterableError naming it. */
export function iteratorOf<T>(iterable: unknown, where: string): { it: AnyIterator<T>; sync: boolean } {
  if (iterable != null) {
    const asyncFn = (iterable as Record<symbol, unknown>)[Symbol.asyncIterator];
    if (typeof asyncFn === 'function') return { it: asyncFn.call(iterable) as AsyncIterator<T>, sync: false };
    const syncFn = (iterable as Record<symbol, unknown>)[Symbol.iterator];
    if (typeof syncFn === 'function' && typeof iterable !== 'string') {
      return { it: syncFn.call(iterable) as Iterator<T>, sync: true };
    }
  }
  throw new NotIterableError(where, iterable);
}

export function isChunk(value: unknown): boolean {
  return typeof value === 'string' || value instanceof Uint8Array;
}

export class Pump<T> {
  private it: AnyIterator<T> | null = null;
  private sync = false;
  private pulling = false;
  private stopping = false;
  /** Delivers the iterator's error after the items it pushed before failing. */
  private readonly errors: ErrorAfterItems;
  /** The iterator finished (done, failed, or was stopped) — `push(null)` or `destroy` has happened. */
  finished = false;
  /** The iterator ran to its end (or was stopped gracefully) and the readable side was ended. */
  completed = false;
  private readonly onNext: (r: IteratorResult<T>) => void;
  private readonly onError: (err: unknown) => void;
  private readonly onSyncValue: (value: T) => void;

  constructor(
    private readonly stream: Readable,
    private readonly where: string,
    private readonly objectMode: boolean,
    private readonly owner: PumpOwner = {},
  ) {
    this.onNext = this.handleNext.bind(this);
    this.onError = this.handleError.bind(this);
    this.onSyncValue = this.handleSyncValue.bind(this);
    this.errors = new ErrorAfterItems(stream);
  }

  get started(): boolean {
    return this.it !== null || this.finished;
  }

  /** Installs the iterator (from what the stage returned). Throws NotIterableError on bad input. */
  setSource(iterable: unknown): void {
    const { it, sync } = iteratorOf<T>(iterable, this.where);
    this.it = it;
    this.sync = sync;
  }

  /** `_read`: start (or resume) pulling. */
  read(): void {
    if (this.pulling || this.finished || this.it === null) return;
    if (this.sync) this.readSync();
    else {
      this.pulling = true;
      (this.it as AsyncIterator<T>).next().then(this.onNext, this.onError);
    }
  }

  /** Called by the owning stream after each `read()`: delivers a deferred error once the buffer is empty. */
  afterRead(): void {
    this.errors.afterRead();
  }

  private readSync(): void {
    const it = this.it as Iterator<T>;
    const stream = this.stream;
    this.pulling = true;
    try {
      for (;;) {
        const r = it.next();
        if (r.done) {
          this.pulling = false;
          this.complete();
          return;
        }
        const value = r.value;
        if (isThenable(value)) {
          // Settle it before asking for more (still `pulling`): the iterator must not run ahead of it.
          (value as PromiseLike<T>).then(this.onSyncValue, this.onError);
          return;
        }
        if (!this.accept(value) || !stream.push(value)) break;
      }
    } catch (err) {
      this.pulling = false;
      this.handleError(err);
      return;
    }
    this.pulling = false;
  }

  /** A thenable from a sync iterator settled with `value`. */
  private handleSyncValue(value: T): void {
    if (this.finished) return;
    if (this.stopping) {
      this.pulling = false;
      this.returnIterator();
      return;
    }
    if (!this.accept(value)) return;
    if (this.stream.push(value)) this.readSync();
    else this.pulling = false;
  }

  private handleNext(r: IteratorResult<T>): void {
    if (this.finished) return;
    if (this.stopping) {
      this.pulling = false;
      this.returnIterator();
      return;
    }
    if (r.done) {
      this.pulling = false;
      this.complete();
      return;
    }
    const value = r.value;
    if (!this.accept(value)) return;
    if (this.stream.push(value)) (this.it as AsyncIterator<T>).next().then(this.onNext, this.onError);
    else this.pulling = false;
  }

  /** Checks one value for the stream's mode; on a bad value fails the stream and returns false. */
  private accept(value: T): boolean {
    if (this.objectMode ? value != null : isChunk(value)) return true;
    const err = this.objectMode ? new NullValueError(this.where) : new InvalidChunkError(this.where, value);
    const origin = this.owner.origin;
    if (origin !== undefined) tagError(err, origin.index, origin.label);
    this.pulling = false;
    this.fail(err);
    // The stage is still suspended at its yield: end it (its `catch` sees why, its `finally` runs).
    this.closeQuietly(err, true);
    return false;
  }

  private handleError(err: unknown): void {
    if (this.finished) return;
    this.pulling = false;
    this.fail(err);
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.completed = true;
    this.owner.onIteratorDone?.();
    this.stream.push(null);
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    // The stage this pump carries is not wrapped to tag its errors (a promise per item, see compose):
    // an error that leaves it untagged and unmarked is its own.
    const origin = this.owner.origin;
    if (origin !== undefined) tagError(err, origin.index, origin.label);
    this.owner.onIteratorDone?.();
    this.errors.fail(err);
  }

  /**
   * Graceful stop (the stage below finished early): stop pulling, let the iterator finish (its
   * `finally` runs), then end the readable side. Waits for the iterator, which is user code.
   */
  stop(): void {
    if (this.finished || this.stopping) return;
    this.stopping = true;
    if (this.it === null) return this.complete();
    if (!this.pulling) this.returnIterator();
    // else: handleNext sees `stopping` when the pending next() settles.
  }

  private returnIterator(): void {
    const it = this.it as AnyIterator<T>;
    if (typeof it.return !== 'function') return this.complete();
    try {
      const r = it.return();
      if (this.sync) this.complete();
      else
        (r as Promise<unknown>).then(
          () => this.complete(),
          (err: unknown) => this.fail(err),
        );
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Destroy path: end the iterator without waiting for it (it is user code that may never settle):
   * `throw(err)` when destroyed with an error, so the generator's `catch` sees why; else `return()`.
   * Its `finally` runs as soon as it reaches a `yield` or the source it waits on rejects.
   */
  abort(err?: Error | null): void {
    this.errors.cancel();
    if (this.finished) return;
    this.finished = true;
    this.owner.onIteratorDone?.();
    this.closeQuietly(err, err != null);
  }

  private closeQuietly(err: unknown, withError: boolean): void {
    const it = this.it;
    if (it === null) return;
    try {
      if (withError && typeof it.throw === 'function') {
        const r = it.throw(err);
        if (this.sync) {
          // It caught the error and yielded again: it is still suspended, so end it.
          if (!(r as IteratorResult<T>).done) this.returnQuietly();
        } else (r as Promise<IteratorResult<T>>).then((res) => void (res.done || this.returnQuietly()), noop);
      } else this.returnQuietly();
    } catch {
      // it rethrew, or was already failing: the first error wins
    }
  }

  private returnQuietly(): void {
    const it = this.it;
    if (it === null || typeof it.return !== 'function') return;
    try {
      const r = it.return();
      if (!this.sync) (r as Promise<unknown>).then(noop, noop);
    } catch {
      // already failing or destroyed: the first error wins
    }
  }
}
