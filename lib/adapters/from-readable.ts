import { Readable } from 'node:stream';
import { markExternal } from '../internal/stage-error.js';
import { readStream } from '../internal/reader.js';
import { OwnedGenerator } from '../internal/sources.js';
import type { TypedReadable } from '../internal/types.js';
import { checkStreamOptions, fail } from '../internal/validate.js';

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

/** `true` for anything that can be listened to: a stream, or a plain EventEmitter (streams1 style). */
function isEmitter(value: unknown): value is NodeJS.EventEmitter {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as NodeJS.EventEmitter).on === 'function' &&
    typeof (value as NodeJS.EventEmitter).removeListener === 'function'
  );
}

/** `true` for a streams2+ Readable (has `read()` and `readableEnded` state). */
function isModernReadable(value: object): value is Readable {
  return typeof (value as Readable).read === 'function' && 'readableEnded' in value;
}

/**
 * A legacy (streams1) readable stream: any EventEmitter (`on` and `removeListener`) that emits `'data'`
 * and then `'end'` — `new Stream()` from `node:stream`, or a plain `EventEmitter`. It may emit `'error'`
 * and `'close'`. Optional methods are used when present: `pause()`/`resume()` for backpressure (without
 * them the items it emits are buffered until read, never dropped), and `destroy()` when the loop leaves
 * early.
 */
export interface LegacyReadableStream extends NodeJS.EventEmitter {
  /** Streams1's `pipe()`: allowed in the type, never called by the wrapper. */
  pipe?(...args: never[]): unknown;
  /** Stops `'data'` events while the wrapper's buffer is full. */
  pause?(): unknown;
  /** Restarts `'data'` events once the wrapper's buffer has room. */
  resume?(): unknown;
  /** Called when the loop leaves early with `destroyOnReturn` on (the default); else the stream is paused. */
  destroy?(): unknown;
}

/**
 * A Readable over a legacy (streams1, `'data'`-only) stream. Unlike `Readable.prototype.wrap`, it removes
 * its listeners from the legacy stream when it is done (end, error, close, or the loop leaving early),
 * and it destroys the legacy stream on an early exit only when asked to.
 */
class LegacyReadable extends Readable {
  private paused = false;
  /** The legacy stream ended, failed or closed by itself: nothing to destroy or pause. */
  private legacyDone = false;

  constructor(
    private readonly legacy: LegacyReadableStream,
    private readonly destroyLegacy: boolean,
    objectMode: boolean,
    highWaterMark: number | undefined,
  ) {
    super({ objectMode, highWaterMark });
    legacy.on('data', this.onData);
    legacy.on('end', this.onEnd);
    legacy.on('error', this.onError);
    legacy.on('close', this.onClose);
  }

  private readonly onData = (chunk: unknown): void => {
    if (!this.push(chunk) && typeof this.legacy.pause === 'function') {
      this.paused = true;
      this.legacy.pause();
    }
  };

  private readonly onEnd = (): void => {
    this.legacyDone = true;
    this.push(null);
  };

  private readonly onError = (err: Error): void => {
    this.legacyDone = true;
    this.destroy(err);
  };

  /** `'close'` before `'end'` is a premature close (`finished` reports it as such). */
  private readonly onClose = (): void => {
    this.legacyDone = true;
    this.destroy();
  };

  override _read(): void {
    if (this.paused && typeof this.legacy.resume === 'function') {
      this.paused = false;
      this.legacy.resume();
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const legacy = this.legacy;
    legacy.removeListener('data', this.onData);
    legacy.removeListener('end', this.onEnd);
    legacy.removeListener('error', this.onError);
    legacy.removeListener('close', this.onClose);
    if (!this.legacyDone) {
      // Left early: destroy the legacy stream, or leave it paused for another reader.
      if (this.destroyLegacy && typeof legacy.destroy === 'function') legacy.destroy();
      else if (typeof legacy.pause === 'function') legacy.pause();
    }
    cb(err);
  }
}

/**
 * Iterates any Readable — including legacy (streams1, `'data'`-only) streams and plain EventEmitters
 * that emit `'data'` and `'end'` (see {@link LegacyReadableStream}) — as an async generator.
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
  readable: TypedReadable<T> | Readable | NodeJS.ReadableStream | LegacyReadableStream,
  options?: FromReadableOptions,
): AsyncGenerator<T, void, undefined> {
  if (!isEmitter(readable)) {
    fail('fromReadable', "`readable` to be a Readable stream or an EventEmitter emitting 'data' and 'end'", readable);
  }
  checkStreamOptions('fromReadable', options);
  if (options?.destroyOnReturn !== undefined && typeof options.destroyOnReturn !== 'boolean') {
    fail('fromReadable', '`options.destroyOnReturn` to be a boolean', options.destroyOnReturn);
  }
  const destroyOnReturn = options?.destroyOnReturn ?? true;
  if (isModernReadable(readable)) {
    if (options?.encoding) readable.setEncoding(options.encoding);
    return owned(readStream<T>(readable, destroyOnReturn), readable, destroyOnReturn);
  }
  // The wrapper is ours: always destroy it on exit, which detaches it from the legacy stream.
  const objectMode = options?.objectMode ?? true;
  const wrapper = new LegacyReadable(readable as LegacyReadableStream, destroyOnReturn, objectMode, options?.highWaterMark);
  if (options?.encoding) wrapper.setEncoding(options.encoding);
  return owned(readStream<T>(wrapper, true), wrapper, true);
}

/**
 * The root Readable of `pipe()`/`run()`: read like `fromReadable`, with its errors marked as the
 * source's (so the stage reading it is not blamed) at no cost per item.
 */
export function rootReader(readable: Readable): AsyncGenerator<unknown, void, undefined> {
  return owned(readStream<unknown>(readable, true, { onError: markExternal }), readable, true);
}

/** A loop returned before its first read still destroys the stream, as a `break` would. */
function owned<T>(gen: AsyncGenerator<T, void, undefined>, stream: Readable, destroy: boolean): AsyncGenerator<T, void, undefined> {
  return new OwnedGenerator(gen, (started) => {
    if (!started && destroy && !stream.destroyed) stream.destroy();
  });
}
