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
 *
 * Laziness: in a group with a step that spreads (flatMap), the items are kept in an `Outbox` that makes
 * a push wait once it holds OUTPUT_LIMIT items, so one input that spreads into endless items (a flatMap
 * over an endless generator) is produced as it is consumed. Such a push stays "in flight" across
 * `next()` calls: the next fill lets it continue before it reads the source again; an early `return()`
 * makes it unwind (CONSUMER_LEFT). Other groups never wait there, and an async step costs them only
 * its own promise.
 */
import { Readable } from 'node:stream';
import { compile, CONSUMER_LEFT, isThenable, OUTPUT_LIMIT, type FusableInfo, type KernelState, type Pending, type Push } from './kernel.js';
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

/**
 * The terminal of a run: keeps what the group produced, for `next()` to hand out. Once it holds `limit`
 * items the push waits (`wait()`), until the consumer has taken them (`release()`) or left (`leave()`:
 * the push is rejected with CONSUMER_LEFT, and so is any later one).
 */
class Outbox implements Push {
  readonly items: unknown[] = [];
  private resume: (() => void) | null = null;
  private cancel: ((reason: unknown) => void) | null = null;
  private left = false;
  private readonly hold = (resolve: () => void, reject: (reason: unknown) => void): void => {
    this.resume = resolve;
    this.cancel = reject;
  };

  constructor(
    /** OUTPUT_LIMIT in a group that spreads, else Infinity (never waits). */
    private readonly limit: number,
    private readonly onWait: () => void,
  ) {}

  /** A push waits for the consumer to take the items. */
  get waiting(): boolean {
    return this.resume !== null;
  }

  push(value: unknown): Pending {
    if (this.left) return Promise.reject(CONSUMER_LEFT); // a step still finishing an item after return()
    const items = this.items;
    items.push(value);
    if (items.length >= this.limit) return this.wait();
  }

  flush(): Pending {}

  close(): void {}

  private wait(): Promise<void> {
    const p = new Promise<void>(this.hold);
    this.onWait();
    return p;
  }

  /** The consumer took the items: the waiting push continues. */
  release(): void {
    const resume = this.resume;
    this.resume = this.cancel = null;
    resume?.();
  }

  /** The consumer left: a waiting push unwinds, and later pushes are refused. `true` if one waited. */
  leave(): boolean {
    this.left = true;
    const cancel = this.cancel;
    this.resume = this.cancel = null;
    cancel?.(CONSUMER_LEFT);
    return cancel !== null;
  }
}

export class FusedRun<O> implements AsyncGenerator<O, void, undefined> {
  /** What the last input produced; `items[pos..]` are still to be handed out. */
  readonly items: unknown[];
  pos = 0;
  private readonly head: Push;
  private readonly outbox: Outbox;
  private readonly state: KernelState = { stopped: false };
  private it: AsyncIterator<unknown> | Iterator<unknown> | null = null;
  private readonly sync: boolean;
  /** A step of the group spreads (flatMap): a push may wait at the full outbox (see the top of this file). */
  private readonly lazy: boolean;
  /** A Node Readable source is read directly (`read()` until empty, then one wait), not iterated. */
  private readonly stream: Readable | null;
  private reader: Reader | null = null;
  /** The source ended or failed: it must not be returned. */
  private sourceDone = false;
  /** No input will be read any more (ended, stopped, failed or closed). */
  private finished = false;
  private failure: { err: unknown } | null = null;
  /** The run read its source (a run nobody starts touches nothing, not even its steps' `close()`). */
  private started = false;
  /** The steps' `flush()` completed (the run ended or a take() stopped it): they need no `close()`. */
  private flushed = false;
  /**
   * A push (or flush) that returned a promise and has not settled: it waits for an async step, or at
   * the full outbox (then it continues at the next fill).
   */
  private inflight: Promise<void> | null = null;
  private inflightError: { err: unknown } | null = null;
  /** Wakes a fill waiting for the in-flight push to settle or to wait at the outbox. */
  private wake: (() => void) | null = null;
  private readonly park = (resolve: () => void): void => {
    this.wake = resolve;
  };
  private readonly wakeUp = (): void => {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  };
  private readonly inflightDone = (): void => {
    this.inflight = null;
    this.wakeUp();
  };
  private readonly inflightFailed = (err: unknown): void => {
    this.inflight = null;
    if (err !== CONSUMER_LEFT) this.inflightError = { err };
    this.wakeUp();
  };
  private readonly markFlushed = (): void => {
    this.flushed = true;
  };
  private readonly closeSourceAfterFlush = (): Promise<void> => {
    this.flushed = true;
    return this.closeSource();
  };
  /** A request in progress: later ones wait for it (an async generator queues them the same way). */
  private busy: Promise<unknown> | null = null;
  private readonly idle = (): void => {
    this.busy = null;
  };

  constructor(
    infos: readonly { info: FusableInfo; stage: number }[],
    private readonly source: AnyIterable<unknown>,
  ) {
    this.lazy = infos.some((x) => x.info.spreads === true);
    this.outbox = new Outbox(this.lazy ? OUTPUT_LIMIT : Infinity, this.wakeUp);
    this.items = this.outbox.items;
    this.head = compile(infos, this.outbox, this.state, isLineItems(source));
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
    this.started = true;
    let inSource = false;
    try {
      if (this.inflight !== null && !(await this.resume())) return;
      while (items.length === 0 && !this.finished) {
        if (state.stopped) return await this.stopEarly();
        inSource = true;
        const r = this.sync ? (it as Iterator<unknown>).next() : await (it as AsyncIterator<unknown>).next();
        inSource = false;
        if (r.done) await this.sourceEnded();
        else {
          const p = head.push(r.value);
          if (p !== undefined) {
            if (!this.lazy) await p;
            else {
              const wait = this.track(p); // (inline, not settle(): no extra promise per async item)
              if (wait !== undefined) await wait;
              if (!this.settled()) return; // waits at the full outbox: hand out first
            }
          }
        }
      }
    } catch (err) {
      await this.failed(err, inSource);
    }
  }

  /**
   * Tracks the push `p` as in flight; resolves once it settled or waits at the full outbox (nothing to
   * wait for when it waited at once, the common case of a long spread). Then `settled()` tells which.
   * Kept to one promise: in a group that spreads, an async step pays this per item.
   */
  private track(p: Promise<void>): Promise<void> | undefined {
    this.inflight = p;
    p.then(this.inflightDone, this.inflightFailed);
    return this.outbox.waiting ? undefined : new Promise<void>(this.park);
  }

  /** Waits as `track` does for the push `p`; `true` when it settled (its error is thrown), `false` when it waits. */
  private async settle(p: Promise<void>): Promise<boolean> {
    const wait = this.track(p);
    if (wait !== undefined) await wait;
    return this.settled();
  }

  /** Lets the in-flight push continue now that the consumer took the items; then as `settle`. */
  private async resume(): Promise<boolean> {
    this.outbox.release();
    await new Promise<void>(this.park);
    return this.settled();
  }

  /** After a wake-up: the in-flight push's error is thrown; `true` when it settled, `false` when it waits. */
  private settled(): boolean {
    const failure = this.inflightError;
    if (failure !== null) {
      this.inflightError = null;
      throw failure.err;
    }
    return this.inflight === null;
  }

  /** `fill()` over a Node Readable: everything buffered (up to BATCH items out), then one wait. */
  private async fillFromStream(stream: Readable): Promise<void> {
    const { head, state, items } = this;
    const reader = (this.reader ??= new Reader(stream));
    this.started = true;
    let inSource = false;
    try {
      if (this.inflight !== null && !(await this.resume())) return;
      while (items.length < BATCH && !this.finished) {
        if (state.stopped) return await this.stopEarly();
        inSource = true;
        const chunk: unknown = stream.read();
        if (chunk !== null) {
          inSource = false;
          const p = head.push(chunk);
          if (p !== undefined) {
            if (!this.lazy) await p;
            else if (!(await this.settle(p))) return;
          }
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
    if (f === undefined) this.flushed = true;
    else await this.settle(f.then(this.markFlushed));
  }

  /** Stopped early (take): flush what the steps hold (a partial batch after it), then close the source. */
  private async stopEarly(): Promise<void> {
    this.finished = true;
    const f = this.head.flush();
    if (f !== undefined) {
      await this.settle(f.then(this.closeSourceAfterFlush));
      return;
    }
    this.flushed = true;
    await this.closeSource();
  }

  private async failed(err: unknown, inSource: boolean): Promise<void> {
    if (err === CONSUMER_LEFT) {
      // A step finished an item after return() (FusedReadable destroys while a fill runs): not an error.
      this.finished = true;
      return;
    }
    if (inSource) {
      this.sourceDone = true; // the source threw: it is finished, do not return it
      this.reader?.close();
      markExternal(err); // ...and the error is the source's, not a stage's
    }
    this.finished = true;
    this.flushed = true; // a failed run gives no last word
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

  /** Finished, nothing in flight, and every kept item handed out. */
  get exhausted(): boolean {
    return this.finished && this.inflight === null && this.pos >= this.items.length;
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

  /**
   * Ends the run early: nothing more is handed out, a push waiting at the full outbox unwinds (a
   * flatMap returns its inner iterator), the steps get `close()` (progress reports done), and the
   * source is returned (its `finally` runs). An error from a step's `close()` comes after all that.
   */
  private async close(): Promise<void> {
    this.finished = true;
    this.failure = null;
    this.items.length = 0;
    this.pos = 0;
    const waiting = this.inflight;
    if (this.outbox.leave() && waiting !== null) await waiting.then(noop, noop);
    this.inflightError = null;
    let closeError: { err: unknown } | null = null;
    if (this.started && !this.flushed) {
      this.flushed = true;
      try {
        this.head.close();
      } catch (err) {
        closeError = { err };
      }
    }
    await this.closeSource();
    if (closeError !== null) throw closeError.err;
  }
}
