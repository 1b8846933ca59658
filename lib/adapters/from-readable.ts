import { Readable } from 'node:stream';
import { readStream } from '../internal/reader.js';
import type { TypedReadable } from '../internal/types.js';
import { checkStreamOptions, fail, isNodeStream } from '../internal/validate.js';

/** Options of {@link fromReadable}. */
export interface FromReadableOptions {
  /** Destroy the stream when the loop exits early (`break`, `return`, a throw). Default `true`. */
  destroyOnReturn?: boolean;
  /** For byte streams: decode chunks to strings (calls `setEncoding`). */
  encoding?: BufferEncoding;
  /** Only for legacy (streams1) sources: the object mode of the wrapper (default `true`). */
  objectMode?: boolean;
  /** Only for legacy (streams1) sources: the wrapper's buffer limit. */
  highWaterMark?: number;
}

/** `true` for a streams2+ Readable (has `read()` and `readableEnded` state). */
function isModernReadable(value: object): value is Readable {
  return typeof (value as Readable).read === 'function' && 'readableEnded' in value;
}

/**
 * Iterates any Readable — including legacy (streams1, `'data'`-only) streams — as an async generator.
 *
 * - Backpressure: items are read only as the loop asks; the stream stays paused in between.
 * - Cleanup: breaking out of the loop destroys the stream, unless `{ destroyOnReturn: false }`.
 * - Errors: a stream `'error'` is thrown from the loop as the same object; a stream closed before its
 *   end throws `ERR_STREAM_PREMATURE_CLOSE` (nothing ends silently).
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { fromReadable } from 'genstream';
 *
 * for await (const chunk of fromReadable<Buffer>(createReadStream('big.log'))) console.log(chunk.length);
 * ```
 */
export function fromReadable<T = unknown>(
  readable: TypedReadable<T> | Readable | NodeJS.ReadableStream,
  options?: FromReadableOptions,
): AsyncGenerator<T, void, undefined> {
  if (!isNodeStream(readable)) fail('fromReadable', '`readable` to be a Readable stream', readable);
  checkStreamOptions('fromReadable', options);
  if (options?.destroyOnReturn !== undefined && typeof options.destroyOnReturn !== 'boolean') {
    fail('fromReadable', '`options.destroyOnReturn` to be a boolean', options.destroyOnReturn);
  }
  let stream: Readable;
  if (isModernReadable(readable)) stream = readable;
  else {
    const legacy = readable as NodeJS.ReadableStream;
    stream = new Readable({ objectMode: options?.objectMode ?? true, highWaterMark: options?.highWaterMark }).wrap(legacy);
  }
  if (options?.encoding) stream.setEncoding(options.encoding);
  return readStream<T>(stream, options?.destroyOnReturn ?? true);
}
