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
import { compile, Collect, isThenable, type FusableInfo, type KernelState, type Push } from './kernel.js';
import { isLineItems } from './line-items.js';
import { markExternal } from './stage-error.js';
import type { AnyIterable } from './types.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const noop = (): void => {};

const toResult = <T>(value: T): IteratorYieldResult<T> => ({ done: false, value });

export class FusedRun<O> implements AsyncGenerator<O, void, undefined> {
  /** What the last input produced; `items[pos..]` are still to be handed out. */
  readonly items: unknown[];
  pos = 0;
  private readonly head: Push;
  private readonly state: KernelState = { stopped: false };
  private readonly it: AsyncIterator<unknown> | Iterator<unknown>;
  private readonly sync: boolean;
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

  constructor(infos: readonly { info: FusableInfo; stage: number }[], source: AnyIterable<unknown>) {
    const out = new Collect();
    this.items = out.items;
    this.head = compile(infos, out, this.state, isLineItems(source));
    const asyncFn = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
    this.sync = typeof asyncFn !== 'function';
    this.it = this.sync ? (source as Iterable<unknown>)[Symbol.iterator]() : (asyncFn as () => AsyncIterator<unknown>).call(source);
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
    const { head, state, items } = this;
    let inSource = false;
    try {
      while (items.length === 0 && !this.finished) {
        if (state.stopped) {
          // Stopped early (take): flush what the steps hold (a partial batch after it), then close.
          this.finished = true;
          const f = head.flush();
          if (f !== undefined) await f;
          await this.closeSource();
          return;
        }
        inSource = true;
        const r = this.sync ? (this.it as Iterator<unknown>).next() : await (this.it as AsyncIterator<unknown>).next();
        inSource = false;
        if (r.done) {
          this.sourceDone = true;
          this.finished = true;
          const f = head.flush();
          if (f !== undefined) await f;
        } else {
          const p = head.push(r.value);
          if (p !== undefined) await p;
        }
      }
    } catch (err) {
      if (inSource) {
        this.sourceDone = true; // the source threw: it is finished, do not return it
        markExternal(err); // ...and the error is the source's, not a stage's
      }
      this.finished = true;
      this.failure = { err };
      // A step failed part-way (or while stopping): return the source; the step's error wins.
      await this.closeSource().then(noop, noop);
    }
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
    const it = this.it;
    if (typeof it.return === 'function') await it.return();
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
