/**
 * One run of a fused group over a source, as an async iterator: the form a fusable operator takes in
 * plain `for await` code and under `pipe()`/`run()`. It runs the group until an input has produced
 * items, keeps them, and hands them out one per `next()` as already-resolved promises: an input that
 * makes many items (a chunk of many lines) costs one wake-up, and each item only its own promise.
 *
 * Semantics of the `async function*` it replaces: an item that is a thenable is awaited before it is
 * handed out; requests are served in order; an error comes after the items produced before it; an
 * early `return()`/`throw()` returns the source (its `finally` runs), but not a source that failed;
 * a source's error is marked as the source's, not a stage's.
 */
import { Readable } from 'node:stream';
import { compile, Collect, isThenable, type FusableInfo, type KernelState, type Push } from './kernel.js';
import { isLineItems } from './line-items.js';
import { ignoreLateError, Reader } from './reader.js';
import { markExternal } from './stage-error.js';
import type { AnyIterable } from './types.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const noop = (): void => {};

const toResult = <T>(value: T): IteratorYieldResult<T> => ({ done: false, value });

/**
 * `iterator[kTakeBuffered]()`: the next item an iterator already holds, taken synchronously, or
 * `NOTHING` (nothing held, a request in progress, or a thenable that must be awaited). Lets a writer
 * that got one item from `next()` write the rest of a batch without a promise per item (writeAll).
 */
export const kTakeBuffered: unique symbol = Symbol('genstream.takeBuffered') as never;
export const NOTHING: unique symbol = Symbol('genstream.nothing') as never;

/** The `kTakeBuffered` method of `iterable`, bound, or undefined. */
export function bufferedTaker(iterable: unknown): (() => unknown) | undefined {
  const fn = iterable != null ? (iterable as Record<symbol, unknown>)[kTakeBuffered] : undefined;
  return typeof fn === 'function' ? (fn as () => unknown).bind(iterable) : undefined;
}

/**
 * Items a Node Readable source may turn into before a fill hands them on: what is buffered is read
 * with `read()` in one go (no promise per item), up to about one object-mode high-water mark.
 */
const BATCH = 16;

export class FusedRun<O> implements AsyncGenerator<O, void, undefined> {
  /** What the last input produced; `items[pos..]` are still to be handed out. */
  readonly items: unknown[];
  pos = 0;
  private readonly head: Push;
  private readonly state: KernelState = { stopped: false };
  private it: AsyncIterator<unknown> | Iterator<unknown> | null = null;
  private readonly sync: boolean;
  /** A Node Readable source is read directly (`read()` until empty, then one wait), not iterated. */
  private readonly stream: Readable | null;
  private reader: Reader | null = null;
  /** The source ended or failed: it must not be returned. */
  private sourceDone = false;
  /** No input will be read any more (ended, stopped, failed or closed). */
  private finished = false;
  private failure: { err: unknown } | null = null;
  /** A request in progress: later ones wait for it (an async generator queues them the same way). */
  private busy: Promise<unknown> | null = null;
  private readonly idle = (): void => {
    this.busy = null;
  };

  constructor(
    infos: readonly { info: FusableInfo; stage: number }[],
    private readonly source: AnyIterable<unknown>,
  ) {
    const out = new Collect();
    this.items = out.items;
    this.head = compile(infos, out, this.state, isLineItems(source));
    this.stream = source instanceof Readable ? source : null;
    this.sync = this.stream === null && typeof (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function';
  }

  /** Opened at the first fill, so a run nobody starts touches nothing. */
  private iterator(): AsyncIterator<unknown> | Iterator<unknown> {
    if (this.it === null) {
      const source = this.source;
      this.it = this.sync ? (source as Iterable<unknown>)[Symbol.iterator]() : (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    }
    return this.it;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  next(): Promise<IteratorResult<O, void>> {
    if (this.busy !== null) return this.queue(() => this.next());
    if (this.pos < this.items.length) return this.give();
    const p = this.pull();
    this.busy = p;
    p.then(this.idle, this.idle);
    return p;
  }

  [kTakeBuffered](): unknown {
    if (this.busy !== null || this.pos >= this.items.length) return NOTHING;
    const value = this.items[this.pos];
    if (isThenable(value)) return NOTHING;
    if (++this.pos === this.items.length) {
      this.items.length = 0;
      this.pos = 0;
    }
    return value;
  }

  /** Hands out the next kept item (awaited first if it is a thenable, like `yield` does). */
  private give(): Promise<IteratorResult<O, void>> {
    const value = this.items[this.pos++];
    if (this.pos === this.items.length) {
      this.items.length = 0;
      this.pos = 0;
    }
    return isThenable(value) ? Promise.resolve(value).then(toResult as (v: unknown) => IteratorYieldResult<O>) : Promise.resolve(toResult(value as O));
  }

  private queue<R>(request: () => Promise<R>): Promise<R> {
    const after = (this.busy as Promise<unknown>).then(request, request);
    this.busy = after;
    after.then(this.idle, this.idle);
    return after;
  }

  /** Runs the group until it has items to hand out, or is finished. */
  private async pull(): Promise<IteratorResult<O, void>> {
    await this.fill();
    if (this.pos < this.items.length) return this.give();
    const failure = this.failure;
    if (failure !== null) {
      this.failure = null;
      throw failure.err;
    }
    return DONE;
  }

  /**
   * Runs the group until `items` holds something or the run is finished; never rejects (a failure is
   * kept in `failure`, to come after the items produced before it). For a stream that takes `items`
   * as one batch (see FusedReadable).
   */
  async fill(): Promise<void> {
    if (this.stream !== null) return this.fillFromStream(this.stream);
    const { head, state, items } = this;
    const it = this.iterator();
    let inSource = false;
    try {
      while (items.length === 0 && !this.finished) {
        if (state.stopped) return await this.stopEarly();
        inSource = true;
        const r = this.sync ? (it as Iterator<unknown>).next() : await (it as AsyncIterator<unknown>).next();
        inSource = false;
        if (r.done) await this.sourceEnded();
        else {
          const p = head.push(r.value);
          if (p !== undefined) await p;
        }
      }
    } catch (err) {
      await this.failed(err, inSource);
    }
  }

  /** `fill()` over a Node Readable: everything buffered (up to BATCH items out), then one wait. */
  private async fillFromStream(stream: Readable): Promise<void> {
    const { head, state, items } = this;
    const reader = (this.reader ??= new Reader(stream));
    let inSource = false;
    try {
      while (items.length < BATCH && !this.finished) {
        if (state.stopped) return await this.stopEarly();
        inSource = true;
        const chunk: unknown = stream.read();
        if (chunk !== null) {
          inSource = false;
          const p = head.push(chunk);
          if (p !== undefined) await p;
          continue;
        }
        if (items.length > 0) return; // hand on what is there before waiting
        if (reader.error !== undefined) throw reader.error;
        if (reader.ended) {
          inSource = false;
          await this.sourceEnded();
          continue;
        }
        await reader.wait();
        inSource = false;
      }
    } catch (err) {
      await this.failed(err, inSource);
    }
  }

  private async sourceEnded(): Promise<void> {
    this.sourceDone = true;
    this.finished = true;
    this.reader?.close();
    const f = this.head.flush();
    if (f !== undefined) await f;
  }

  /** Stopped early (take): flush what the steps hold (a partial batch after it), then close the source. */
  private async stopEarly(): Promise<void> {
    this.finished = true;
    const f = this.head.flush();
    if (f !== undefined) await f;
    await this.closeSource();
  }

  private async failed(err: unknown, inSource: boolean): Promise<void> {
    if (inSource) {
      this.sourceDone = true; // the source threw: it is finished, do not return it
      this.reader?.close();
      markExternal(err); // ...and the error is the source's, not a stage's
    }
    this.finished = true;
    this.failure = { err };
    // A step failed part-way (or while stopping): return the source; the step's error wins.
    await this.closeSource().then(noop, noop);
  }

  /** Takes the failure kept by `fill()` (once). */
  takeFailure(): { err: unknown } | null {
    const f = this.failure;
    this.failure = null;
    return f;
  }

  /** Finished, and every kept item handed out. */
  get exhausted(): boolean {
    return this.finished && this.pos >= this.items.length;
  }

  private async closeSource(): Promise<void> {
    if (this.sourceDone) return;
    this.sourceDone = true;
    const stream = this.stream;
    if (stream !== null) {
      // As Node's own iterator does on an early exit: stop listening, destroy the stream.
      this.reader?.close();
      if (!stream.destroyed) stream.destroy();
      ignoreLateError(stream);
      return;
    }
    const it = this.it;
    if (it !== null && typeof it.return === 'function') await it.return();
  }

  return(): Promise<IteratorResult<O, void>> {
    if (this.busy !== null) return this.queue(() => this.return());
    return this.close().then(() => DONE);
  }

  throw(err: unknown): Promise<IteratorResult<O, void>> {
    if (this.busy !== null) return this.queue(() => this.throw(err));
    return this.close().then(() => Promise.reject(err));
  }

  /** Ends the run early: nothing more is handed out, and the source is returned (its `finally` runs). */
  private close(): Promise<void> {
    this.finished = true;
    this.failure = null;
    this.items.length = 0;
    this.pos = 0;
    return this.closeSource();
  }
}
