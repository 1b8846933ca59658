/**
 * Shared by the source combinators (merge, concat, zip, tee, fork, peek): opening sync or async
 * iterators, closing the ones still open on early exit or error, and the wrapper that lets a returned
 * stream clean up even if it was never started.
 */
import { Readable } from 'node:stream';
import type { AnyIterator } from './pump.js';
import { kTakeBuffered, NOTHING } from './fused-run.js';
import { readStream } from './reader.js';
import type { AnyIterable } from './types.js';
import { fail, isIterable, isNodeStream } from './validate.js';

export type { AnyIterator };

/** The item type of a sync or async iterable (`number` for `number[]` and `AsyncIterable<number>`). */
export type ItemOf<S> = S extends AsyncIterable<infer T> ? T : S extends Iterable<infer T> ? T : never;

/** Checks at call time that every source is an iterable or async iterable, naming the bad one. */
export function checkSources(where: string, sources: readonly unknown[]): void {
  for (let i = 0; i < sources.length; i++) {
    if (!isIterable(sources[i])) fail(where, `\`sources[${i}]\` to be an iterable or async iterable`, sources[i]);
  }
}

/** `sync` is true when the iterator's `next()` returns results directly (no promise). */
export interface Opened<T> {
  it: AnyIterator<T>;
  sync: boolean;
}

/**
 * Opens the iterator of a (checked) iterable; the async protocol wins when both exist. A Node Readable
 * is read through genstream's own reader, which removes every listener it adds on all exit paths (Node's
 * `Readable[Symbol.asyncIterator]` leaves its listeners on a stream it destroyed).
 */
export function openIterator<T>(source: AnyIterable<T>): Opened<T> {
  if (source instanceof Readable) return { it: readStream<T>(source, true), sync: false };
  const asyncFn = (source as Partial<AsyncIterable<T>>)[Symbol.asyncIterator];
  if (typeof asyncFn === 'function') return { it: asyncFn.call(source), sync: false };
  return { it: (source as Iterable<T>)[Symbol.iterator](), sync: true };
}

/**
 * Calls `return()` on every iterator not marked finished (done or failed — those must not be
 * returned), concurrently, and waits for all. A failure to close is rethrown (the first one) only when
 * `quiet` is false: while another error is propagating, it must not replace that error.
 *
 * `inFlight[i]` marks an iterator whose `next()` is still pending (mid-production): it is returned at
 * once but not waited for (see {@link returnInFlight}); `sources[i]` is its source.
 */
export async function closeIterators(
  its: readonly (AnyIterator<unknown> | undefined)[],
  finished: readonly boolean[],
  quiet: boolean,
  inFlight?: readonly boolean[],
  sources?: readonly unknown[],
): Promise<void> {
  const closing: unknown[] = [];
  for (let i = 0; i < its.length; i++) {
    const it = its[i];
    if (it === undefined || finished[i]) continue;
    if (inFlight !== undefined && inFlight[i]) returnInFlight(it, sources?.[i]);
    else if (typeof it.return === 'function') closing.push(callReturn(it));
  }
  if (closing.length === 0) return;
  const settled = await Promise.allSettled(closing);
  if (quiet) return;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

// A sync return() that throws becomes a rejection, so one bad source cannot stop the others closing.
async function callReturn(it: AnyIterator<unknown>): Promise<void> {
  await it.return!();
}

const noop = (): void => {};

/**
 * Returns an iterator whose `next()` is still pending, without waiting: an async generator runs its
 * `return()` only after that pending item (which may never come), so the consumer leaving must not
 * wait for it. `return()` is still called — it queues behind the pending `next()`, and the generator's
 * `finally` runs once that item arrives; its late rejection is ignored. A Node stream `source` is
 * destroyed at once, which also ends the pending read.
 */
export function returnInFlight(it: AnyIterator<unknown>, source: unknown): void {
  if (isNodeStream(source) && typeof (source as { destroy?: unknown }).destroy === 'function') {
    const stream = source as unknown as { destroyed?: boolean; destroy(): void };
    if (!stream.destroyed) stream.destroy();
  }
  if (typeof it.return === 'function') callReturn(it).then(noop, noop);
}

/**
 * Releases a source whose iterator was never advanced (`it`, if already opened). Returning such an
 * iterator is not enough when it is an async generator — Node's Readable iterator is one — because an
 * unstarted generator skips its `finally`; so a Node stream is destroyed directly. For an array or
 * another reusable iterable this does nothing observable.
 */
export async function releaseUnstarted(source: AnyIterable<unknown>, it?: AnyIterator<unknown>): Promise<void> {
  if (isNodeStream(source) && typeof (source as { destroy?: unknown }).destroy === 'function') {
    const stream = source as unknown as { destroyed?: boolean; destroy(): void };
    if (!stream.destroyed) stream.destroy();
    return;
  }
  const iter = it ?? openIterator(source).it;
  if (typeof iter.return === 'function') await iter.return();
}

/**
 * Releases a one-shot source handed to a consumer that stopped before its first read: if `source` is an
 * iterator (a generator, a genstream branch, `fromReadable(...)`), its `return()` is called. A reusable
 * iterable (an array, an object with `[Symbol.asyncIterator]`) opened nothing, so it is left alone.
 */
export async function releaseIterator(source: unknown): Promise<void> {
  const it = source as Partial<AsyncIterator<unknown>>;
  if (source != null && typeof it.next === 'function' && typeof it.return === 'function') await it.return();
}

/**
 * Releases the sources from index `from` on, which were never started (concat's later sources after
 * an early exit), concurrently. A failure is rethrown (the first one) only when `quiet` is false.
 */
export async function closeUnstarted(sources: readonly AnyIterable<unknown>[], from: number, quiet: boolean): Promise<void> {
  const closing: Promise<void>[] = [];
  for (let i = from; i < sources.length; i++) closing.push(releaseUnstarted(sources[i]));
  const settled = await Promise.allSettled(closing);
  if (quiet) return;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

/**
 * An async generator whose `return()`/`throw()` first run `onClose(started)`. A plain async generator
 * that was never started skips its body (and its `finally`) on `return()`, so a stream handed out but
 * never iterated could not release what it holds; this wrapper lets it. `onClose` must be idempotent.
 */
export class OwnedGenerator<T> implements AsyncGenerator<T, void, undefined> {
  private begun = false;

  /** `next()` has been called at least once. */
  get started(): boolean {
    return this.begun;
  }

  constructor(
    private readonly inner: AsyncGenerator<T, void, undefined>,
    private readonly onClose: (started: boolean) => void | Promise<void>,
  ) {}

  next(): Promise<IteratorResult<T, void>> {
    this.begun = true;
    return this.inner.next();
  }

  async return(): Promise<IteratorResult<T, void>> {
    await this.onClose(this.begun);
    return this.inner.return(undefined);
  }

  async throw(err: unknown): Promise<IteratorResult<T, void>> {
    await this.onClose(this.begun);
    return this.inner.throw(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** What the wrapped iterator already holds (see kTakeBuffered). */
  [kTakeBuffered](): unknown {
    const inner = this.inner as unknown as Record<symbol, unknown>;
    return typeof inner[kTakeBuffered] === 'function' ? (inner[kTakeBuffered] as () => unknown).call(inner) : NOTHING;
  }
}
