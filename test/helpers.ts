/**
 * Small helpers shared by the adapter tests: a deferred, a collecting sink, a counted source with a
 * slow counting consumer, and a guard that fails a test on unhandled rejections / uncaught errors.
 */
import { getEventListeners } from 'node:events';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { toWritable, type TypedWritable } from '../lib/index.js';

/** Resolves after one macrotask (lets stream ticks, nextTicks and microtasks run). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `n` macrotasks. */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

/** Waits until `condition()` holds; the timeout is only a hang guard. */
export function until(condition: () => boolean): Promise<void> {
  return vi.waitFor(
    () => {
      if (!condition()) throw new Error('condition not met yet');
    },
    { timeout: 5000, interval: 2 },
  );
}

/**
 * Resolves on the emitter's next `'close'` (subscribe before causing it). Unlike `events.once`, it does
 * not reject on `'error'`, and unlike polling `stream.closed` (set in `destroy()`), it waits until
 * `'error'` and `'close'` have been emitted.
 */
export function closeEvent(emitter: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A user error class, to check that errors pass through as the same object. */
export class TestError extends Error {
  override name = 'TestError';
}

/** A `toWritable` sink that pushes every item into `out`. */
export function collect<T>(out: T[], options?: { highWaterMark?: number; objectMode?: boolean }): TypedWritable<T> {
  return toWritable(async (source: AsyncIterable<T>) => {
    for await (const x of source) out.push(x);
  }, options);
}

/** Collects an (async) iterable into an array. */
export async function toArray<T>(source: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

/** A generator stage that passes on the first `n` items and then stops reading its source. */
export function take<T>(n: number): (source: AsyncIterable<T>) => AsyncGenerator<T, void, undefined> {
  return async function* take(source) {
    let i = 0;
    if (n <= 0) return;
    for await (const x of source) {
      yield x;
      if (++i >= n) return;
    }
  };
}

/**
 * Counts a flow of items: what a source produced, what a slow consumer consumed, the peak number
 * produced but not yet consumed (measured at each production, so it includes the item being made),
 * and how many times the source's `finally` ran.
 */
export class Flow {
  produced = 0;
  consumed = 0;
  peak = 0;
  finallies = 0;

  /** A generator function yielding 0, 1, 2, ... (`count` items, infinite by default), counting. */
  readonly source = (count = Infinity): (() => AsyncGenerator<number, void, undefined>) => {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const flow = this;
    return async function* counted() {
      try {
        for (let i = 0; i < count; i++) {
          flow.produced++;
          flow.peak = Math.max(flow.peak, flow.produced - flow.consumed);
          yield i;
        }
      } finally {
        flow.finallies++;
      }
    };
  };

  /** The slow consumer's step: wait one macrotask, then count one item as consumed. */
  async consume(): Promise<void> {
    await tick();
    this.consumed++;
  }

  /** A sink function that consumes slowly, stopping after `limit` items (all by default). */
  slowSink(limit = Infinity): (source: AsyncIterable<unknown>) => Promise<void> {
    return async (source) => {
      if (limit <= 0) return;
      for await (const _ of source) {
        await this.consume();
        if (this.consumed >= limit) return;
      }
    };
  }
}

/**
 * Installs, for every test of the calling file, listeners that record unhandled rejections and
 * uncaught exceptions, and fails the test if any was recorded by its end.
 */
export function watchUnhandled(): void {
  const seen: unknown[] = [];
  const record = (reason: unknown): void => {
    seen.push(reason);
  };
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });
  afterEach(async () => {
    await ticks(3); // unhandled rejections are reported after the microtask queue drains
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
    expect(seen).toEqual([]);
  });
}

/** Number of listeners for each of `events` on an emitter (to compare before and after). */
export function listenerCounts(emitter: NodeJS.EventEmitter, events: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e] = emitter.listenerCount(e);
  return counts;
}

/** The events a stream adapter may listen to. */
export const STREAM_EVENTS = ['data', 'readable', 'end', 'error', 'close', 'finish', 'drain', 'pipe', 'unpipe'] as const;

/** Number of `'abort'` listeners on a signal. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** A counted async source of 0, 1, 2, ... (`count` items, endless by default). */
export function counted(count = Infinity) {
  const state = { produced: 0, finallies: 0, completed: false };
  async function* source() {
    try {
      for (let i = 0; i < count; i++) {
        state.produced++;
        yield i;
      }
      state.completed = true;
    } finally {
      state.finallies++;
    }
  }
  return { state, source: source() };
}

/**
 * The error of a pipeline that reused a finished genstream stream: genstream's AlreadyUsedError, or —
 * on Node 24+, whose pipeline refuses to pipe into a destroyed stream before genstream sees it — Node's
 * own ERR_STREAM_UNABLE_TO_PIPE. Either way a clear error, never a hang or a silent drop.
 */
export function expectReuseRefused(err: unknown, AlreadyUsed: new (...args: never[]) => Error, message?: RegExp): void {
  if ((err as { code?: unknown } | undefined)?.code === 'ERR_STREAM_UNABLE_TO_PIPE') {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    return;
  }
  expect(err).toBeInstanceOf(AlreadyUsed);
  if (message) expect((err as Error).message).toMatch(message);
}

/**
 * `promise.then(...settledError)` resolves with what `promise` rejected with, and fails the test if it
 * resolved: for asserting on the exact error object afterwards.
 */
export const settledError = [
  (): never => {
    throw new Error('expected a rejection, but the promise resolved');
  },
  (err: unknown): unknown => err,
] as const;

/** Calls `fn` and returns what it threw synchronously; fails the test if it did not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/**
 * A libp2p-style echo duplex iterable: what its `sink` receives, its `source` yields, through a queue of
 * at most `limit` items (the sink waits while it is full, so backpressure crosses the echo). The source
 * ends once the sink's loop is over (end or error). Counts items and each half's `finally`, and keeps
 * what the sink's loop threw. Once the source is closed (returned), a sink waiting for room goes on.
 */
export function echoDuplex<T>(limit = Infinity) {
  const state = { sunk: 0, yielded: 0, sourceFinallies: 0, sinkFinallies: 0, sinkError: undefined as unknown };
  const queue: T[] = [];
  let ended = false;
  let closed = false;
  let wakeSource: (() => void) | null = null;
  let wakeSink: (() => void) | null = null;
  const wake = (which: 'source' | 'sink'): void => {
    const w = which === 'source' ? wakeSource : wakeSink;
    if (which === 'source') wakeSource = null;
    else wakeSink = null;
    w?.();
  };
  async function* source(): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        while (queue.length > 0) {
          const x = queue.shift() as T;
          wake('sink');
          state.yielded++;
          yield x;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wakeSource = resolve));
      }
    } finally {
      closed = true; // nobody reads the queue any more: a sink waiting for room goes on
      wake('sink');
      state.sourceFinallies++;
    }
  }
  const sink = async (input: AsyncIterable<T>): Promise<void> => {
    try {
      for await (const x of input) {
        queue.push(x);
        state.sunk++;
        wake('source');
        while (queue.length >= limit && !closed) await new Promise<void>((resolve) => (wakeSink = resolve));
      }
    } catch (err) {
      state.sinkError = err;
      throw err;
    } finally {
      ended = true;
      wake('source');
      state.sinkFinallies++;
    }
  };
  return { state, source: source(), sink };
}

/**
 * An async generator that yields `items`, then waits inside its body for `gate` — a deferred the test
 * resolves, rejects or leaves pending — before it yields `late`: a source in the middle of producing
 * an item that may never come. Counts the items it produced and how many times its `finally` ran.
 */
export function stalled<T>(items: readonly T[] = [], late?: T) {
  const gate = deferred<void>();
  const state = { produced: 0, finallies: 0, resumed: false };
  async function* source(): AsyncGenerator<T, void, undefined> {
    try {
      for (const x of items) {
        state.produced++;
        yield x;
      }
      await gate.promise;
      state.resumed = true;
      yield late as T;
    } finally {
      state.finallies++;
    }
  }
  return { state, gate, source: source() };
}

/**
 * Checks that `'finish'` waits for the sink's promise, not only for its loop: `make(sink)` builds the
 * Writable (toWritable, fromDuplex) around `sink`, whose loop ends but whose promise waits on a
 * deferred (a last batch being saved); `'finish'` must come only after that deferred resolves.
 */
export async function expectFinishAfterSink(make: (sink: (source: AsyncIterable<number>) => Promise<void>) => Writable): Promise<void> {
  const saved = deferred();
  let loopDone = false;
  let finished = false;
  const w = make(async (source) => {
    for await (const _ of source);
    loopDone = true;
    await saved.promise; // e.g. flushing the last batch to a database
  });
  w.on('finish', () => (finished = true));
  w.write(1);
  w.end(2);
  await until(() => loopDone);
  await ticks(5);
  expect(finished).toBe(false);
  saved.resolve();
  await until(() => finished);
}
