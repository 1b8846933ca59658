/** Web Streams interop: ReadableStream <-> async iterable, and TransformStream as a generator stage. */
import { ReadableStream, type TransformStream, WritableStream } from 'node:stream/web';
import { iteratorOf, type AnyIterator } from '../internal/pump.js';
import type { AnyIterable } from '../internal/types.js';
import { OwnedGenerator } from '../internal/sources.js';
import { checkNonNegativeInt, checkOptions, fail, isIterable } from '../internal/validate.js';

/** Options of {@link toWebReadable}. */
export interface ToWebReadableOptions {
  /** Items buffered ahead of the reader (default 16). The source is pulled only to fill this. */
  highWaterMark?: number;
}

/** `true` for a WHATWG ReadableStream. */
export function isWebReadable(value: unknown): value is ReadableStream {
  return value instanceof ReadableStream || (value != null && typeof (value as ReadableStream).getReader === 'function' && typeof (value as ReadableStream).pipeThrough === 'function');
}

/** `true` for a WHATWG TransformStream (or any `{ readable, writable }` pair of web streams). */
export function isWebTransform(value: unknown): value is TransformStream {
  return (
    value != null &&
    typeof value === 'object' &&
    isWebReadable((value as TransformStream).readable) &&
    ((value as TransformStream).writable instanceof WritableStream ||
      typeof ((value as TransformStream).writable as WritableStream | undefined)?.getWriter === 'function')
  );
}

/**
 * Makes a Web `ReadableStream` from a sync or async iterable (or a generator). Pull-based: the source is
 * advanced only when the stream's queue is below `highWaterMark`. Cancelling the stream returns the
 * source (its `finally` runs).
 *
 * @example
 * ```ts
 * import { toWebReadable } from 'genstream';
 * const rs = toWebReadable([1, 2, 3]);
 * for await (const n of rs) console.log(n);
 * ```
 */
export function toWebReadable<T>(source: AnyIterable<T> | (() => AnyIterable<T>), options?: ToWebReadableOptions): ReadableStream<T> {
  if (typeof source !== 'function' && !isIterable(source)) {
    fail('toWebReadable', '`source` to be an iterable, an async iterable or a function returning one', source);
  }
  checkOptions('toWebReadable', options);
  if (options?.highWaterMark !== undefined) checkNonNegativeInt('toWebReadable', 'options.highWaterMark', options.highWaterMark);
  let it: AnyIterator<T> | null = null;
  return new ReadableStream<T>(
    {
      async pull(controller) {
        if (it === null) it = iteratorOf<T>(typeof source === 'function' ? source() : source, 'toWebReadable: source').it;
        // Fill the queue up to its high-water mark per pull: one promise per batch of sync items.
        do {
          const r = await it.next();
          if (r.done) {
            controller.close();
            return;
          }
          controller.enqueue(r.value);
        } while ((controller.desiredSize ?? 0) > 0);
      },
      async cancel() {
        await it?.return?.();
      },
    },
    { highWaterMark: options?.highWaterMark ?? 16 },
  );
}

/**
 * Iterates a Web `ReadableStream` as an async generator. Leaving the loop early (`break`, `return()`,
 * even before the first read or while a read is pending) cancels the stream once and releases its
 * lock, without waiting for the cancel to settle: the stream's `cancel()` is the producer's code and
 * may never settle (a rejection it gives later is ignored). A stream error is thrown as the same
 * object.
 *
 * @example
 * ```ts
 * import { fromWebReadable } from 'genstream';
 * const res = await fetch('https://example.com/data.ndjson');
 * for await (const chunk of fromWebReadable(res.body!)) {
 *   if (chunk.length === 0) break; // cancels res.body; the break does not wait for the cancel
 *   console.log(chunk.length);
 * }
 * ```
 */
export function fromWebReadable<T>(stream: ReadableStream<T> | globalThis.ReadableStream<T>): AsyncGenerator<T, void, undefined> {
  // Checked here, at call time: inside the generator body they would wait for the first `next()`.
  if (!isWebReadable(stream)) fail('fromWebReadable', '`stream` to be a Web ReadableStream', stream);
  if (stream.locked) fail('fromWebReadable', '`stream` to be unlocked (it already has a reader)', stream);
  const state: WebReadState = { reader: null, reading: false };
  return new OwnedGenerator(readWeb(stream as ReadableStream<T>, state), (started) => {
    // Returned before its first read: cancel the stream all the same, as leaving the loop would.
    if (!started) (stream as ReadableStream<T>).cancel().then(noop, noop);
    // Returned while a read is pending: cancelling ends that read (done), so the generator can return.
    else if (state.reading) state.reader?.cancel().then(noop, noop);
  });
}

const noop = (): void => {};

/** What `fromWebReadable`'s `return()` needs to see of its generator. */
interface WebReadState {
  reader: ReadableStreamDefaultReader<unknown> | null;
  /** A `read()` is pending. */
  reading: boolean;
}

async function* readWeb<T>(stream: ReadableStream<T>, state?: WebReadState): AsyncGenerator<T, void, undefined> {
  const reader = stream.getReader();
  if (state !== undefined) state.reader = reader as ReadableStreamDefaultReader<unknown>;
  let complete = false;
  try {
    for (;;) {
      if (state !== undefined) state.reading = true;
      const r = await reader.read();
      if (state !== undefined) state.reading = false;
      if (r.done) break;
      yield r.value;
    }
    complete = true;
  } finally {
    // Not awaited: the source's cancel() may never settle. The stream is closed at once all the same,
    // so the lock can be released now; a late rejection of the cancel is ignored.
    if (!complete) reader.cancel().then(noop, noop);
    reader.releaseLock();
  }
}

/**
 * Runs a Web TransformStream as a generator stage: writes `source` in with backpressure, reads out.
 * `feeds` (from `pipe()`/`run()`) collects the feed's promise, to be waited for after an early stop.
 */
export async function* transformStreamGen<I, O>(ts: TransformStream<I, O>, source: AnyIterable<I>, feeds?: Promise<void>[]): AsyncGenerator<O, void, undefined> {
  const writer = ts.writable.getWriter();
  let stopped = false;
  let feedError: unknown = undefined;
  /** The feed is waiting for the source's next item (user code that may never settle). */
  let inSource = true;
  const feed = (async () => {
    try {
      for await (const item of source) {
        inSource = false;
        if (stopped) break;
        await writer.ready; // backpressure: wait while the transform's writable queue is full
        if (stopped) break;
        void writer.write(item).catch(() => {});
        inSource = true;
      }
      inSource = false;
      // An errored transform rejects close(): its own error reaches the reading side, which reports it.
      if (!stopped) await writer.close().catch(() => {});
    } catch (err) {
      inSource = false;
      feedError = err;
      await writer.abort(err).catch(() => {});
    }
  })();
  feeds?.push(feed);
  try {
    for await (const item of readWeb(ts.readable)) yield item;
    if (feedError !== undefined) throw feedError;
  } catch (err) {
    throw feedError !== undefined ? feedError : err; // a source error is reported as itself
  } finally {
    stopped = true;
    if (feedError === undefined) await writer.abort().catch(() => {});
    // Once the writer is aborted the feed ends promptly and returns the source (its `finally` runs)
    // unless it waits inside the source, which may never yield: then it stops at the source's next item.
    if (!inSource) await feed;
  }
}
