import { Writable, type Readable } from 'node:stream';
import { AbortError } from '../internal/errors.js';
import type { StageContext } from '../internal/gen-duplex.js';
import { canWriteDirectly, connectFastWrites, reportInboxDrain, type WriteCallback } from '../internal/fast-writes.js';
import { Inbox, stopUpstream, trackUpstream } from '../internal/inbox.js';
import { guardByteWrites } from '../internal/guards.js';
import { SinkRun } from '../internal/sink-run.js';
import type { StreamOptions } from '../internal/options.js';
import type { TypedWritable } from '../internal/types.js';
import { checkFunction, checkStreamOptions } from '../internal/validate.js';

type Callback = (err?: Error | null) => void;

/** Options of {@link toWritable}. */
export type ToWritableOptions = Omit<StreamOptions, 'encoding'>;

/** A sink: an async function that consumes the whole source. */
export type Sink<T, R = unknown> = (source: AsyncIterable<T>, ctx: StageContext) => R | Promise<R>;

class SinkWritable<T> extends Writable {
  static {
    reportInboxDrain(this.prototype);
  }

  private readonly inbox: Inbox<T>;
  private readonly fastWrites: boolean;
  private readonly sink: Sink<T>;
  private readonly run: SinkRun<T>;
  private controller: AbortController | null = null;
  upstream: Readable | null = null;

  constructor(sink: Sink<T>, options: ToWritableOptions) {
    const objectMode = options.objectMode ?? true;
    super({ objectMode, highWaterMark: options.highWaterMark, signal: options.signal, decodeStrings: false });
    this.inbox = new Inbox<T>(this.writableHighWaterMark, !objectMode);
    this.inbox.onReturned = () => stopUpstream(this.upstream);
    this.sink = sink;
    this.run = new SinkRun(this, this.inbox, () => {
      const controller = (this.controller = new AbortController());
      return this.sink(this.inbox, { signal: controller.signal });
    });
    this.fastWrites = objectMode;
    connectFastWrites(this);
    trackUpstream(this, this, 'toWritable');
    if (!objectMode) guardByteWrites(this, 'toWritable');
  }

  /** The inbox, as the shared fast-write path sees it (see fast-writes.ts). */
  get fastInbox(): Inbox<unknown> {
    return this.inbox as Inbox<unknown>;
  }

  // Once the sink runs, a plain object-mode write goes straight into its inbox (see fast-writes.ts).
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (this.fastWrites && this.run.running && canWriteDirectly(this, chunk, encoding, cb)) return this.inbox.offer(chunk as T);
    return super.write(chunk, encoding as BufferEncoding, cb);
  }

  override _write(chunk: T, _encoding: BufferEncoding, cb: Callback): void {
    this.run.start();
    this.inbox.push(chunk, cb);
  }

  override _writev(chunks: { chunk: T }[], cb: Callback): void {
    this.run.start();
    this.inbox.pushMany(chunks, cb);
  }

  // 'finish' only after the sink's promise resolves (its last batch is saved).
  override _final(cb: Callback): void {
    this.run.final(cb);
  }

  override _destroy(err: Error | null, cb: Callback): void {
    // A sink that has finished is not aborted by the auto-destroy that follows 'finish'.
    if (err !== null || !this.run.settled) this.controller?.abort(err ?? new AbortError());
    this.run.abort(err);
    cb(err);
  }
}

/**
 * Makes a Writable from a sink: an async function that consumes an `AsyncIterable`. `'finish'` fires
 * only after the sink's promise resolves, so `pipeline()` resolves only when the sink has really
 * finished (e.g. its last batch is saved).
 *
 * - Backpressure: writes wait while `highWaterMark` items are queued for the sink.
 * - Errors: a sink that throws or rejects destroys the Writable with the same error object. When the
 *   stream is destroyed, the sink's pending read rejects and `ctx.signal` aborts.
 * - Early stop: a sink that returns before reading everything asks a genstream upstream to end
 *   gracefully; a foreign upstream's remaining chunks are accepted and dropped.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { toReadable, toWritable } from 'genstream';
 *
 * await pipeline(
 *   toReadable([1, 2, 3]),
 *   toWritable(async (source: AsyncIterable<number>) => {
 *     let sum = 0;
 *     for await (const n of source) sum += n;
 *     console.log(sum);
 *   }),
 * );
 * ```
 */
export function toWritable<T>(sink: Sink<T>, options?: ToWritableOptions): TypedWritable<T> {
  checkFunction('toWritable', 'sink', sink);
  checkStreamOptions('toWritable', options);
  return new SinkWritable<T>(sink, options ?? {});
}
