/**
 * The read side of the stream<->generator bridge: pulls from an (async or sync) iterator only when the
 * Readable asks (`_read`), and keeps pushing while `push()` returns true, so one `_read` moves many
 * items. Used by `toReadable`, `fromGen` and `chain`.
 *
 * Hot path: the async loop is `it.next().then(onNext, onError)` with handlers bound once per stream,
 * so no closure is allocated per item. Sync iterators (arrays, sync generators) are drained in a plain
 * loop with no promise at all.
 */
import type { Readable } from 'node:stream';
import { InvalidChunkError, NotIterableError, NullValueError } from './errors.js';

const noop = (): void => {};

export type AnyIterator<T> = AsyncIterator<T> | Iterator<T>;

/** Hooks the owning stream provides. */
export interface PumpOwner {
  /** Called once when the iterator is finished (done, stopped or failed), before `push(null)`. */
  onIteratorDone?(): void;
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
  /** The iterator finished (done, failed, or was stopped) — `push(null)` or `destroy` has happened. */
  finished = false;
  /** The iterator ran to its end (or was stopped gracefully) and the readable side was ended. */
  completed = false;
  private readonly onNext: (r: IteratorResult<T>) => void;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly stream: Readable,
    private readonly where: string,
    private readonly objectMode: boolean,
    private readonly owner: PumpOwner = {},
  ) {
    this.onNext = this.handleNext.bind(this);
    this.onError = this.handleError.bind(this);
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
        if (!this.accept(r.value) || !stream.push(r.value)) break;
      }
    } catch (err) {
      this.pulling = false;
      this.handleError(err);
      return;
    }
    this.pulling = false;
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
    this.pulling = false;
    this.fail(err);
    // The stage is still suspended at its yield: end it so its `finally` runs.
    this.returnQuietly();
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
    this.stream.destroy(err as Error);
    this.owner.onIteratorDone?.();
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
   * Destroy path: end the iterator without waiting for it (it is user code that may never settle).
   * Its `finally` runs as soon as it reaches a `yield` or the source it waits on rejects.
   */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.owner.onIteratorDone?.();
    this.returnQuietly();
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
