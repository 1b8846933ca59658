/** Web Streams interop: ReadableStream <-> async iterable, and TransformStream as a generator stage. */
import { ReadableStream, type TransformStream, WritableStream } from 'node:stream/web';
import { iteratorOf, type AnyIterator } from '../internal/pump.js';
import type { AnyIterable } from '../internal/types.js';
import { checkOptions, fail, isIterable } from '../internal/validate.js';

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
 * Iterates a Web `ReadableStream` as an async generator. Leaving the loop early cancels the stream;
 * a stream error is thrown as the same object.
 *
 * @example
 * ```ts
 * import { fromWebReadable } from 'genstream';
 * const res = await fetch('https://example.com/data.ndjson');
 * for await (const chunk of fromWebReadable(res.body!)) console.log(chunk.length);
 * ```
 */
export async function* fromWebReadable<T>(stream: ReadableStream<T> | globalThis.ReadableStream<T>): AsyncGenerator<T, void, undefined> {
  if (!isWebReadable(stream)) fail('fromWebReadable', '`stream` to be a Web ReadableStream', stream);
  const reader = (stream as ReadableStream<T>).getReader();
  let complete = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      yield r.value;
    }
    complete = true;
  } finally {
    if (!complete) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Runs a Web TransformStream as a generator stage: writes `source` in with backpressure, reads out. */
export async function* transformStreamGen<I, O>(ts: TransformStream<I, O>, source: AnyIterable<I>): AsyncGenerator<O, void, undefined> {
  const writer = ts.writable.getWriter();
  let stopped = false;
  let feedError: unknown = undefined;
  const feed = (async () => {
    try {
      for await (const item of source) {
        if (stopped) break;
        await writer.ready; // backpressure: wait while the transform's writable queue is full
        if (stopped) break;
        void writer.write(item).catch(() => {});
      }
      if (!stopped) await writer.close();
    } catch (err) {
      feedError = err;
      await writer.abort(err).catch(() => {});
    }
  })();
  try {
    for await (const item of fromWebReadable(ts.readable)) yield item;
    if (feedError !== undefined) throw feedError;
  } catch (err) {
    throw feedError !== undefined ? feedError : err; // a source error is reported as itself
  } finally {
    stopped = true;
    // Not awaiting `feed`: it may wait on a source that never yields; it stops at its next item.
    if (feedError === undefined) await writer.abort().catch(() => {});
    void feed;
  }
}
