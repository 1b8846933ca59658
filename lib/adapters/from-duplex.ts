/**
 * `fromDuplex`: an it-/libp2p-style duplex iterable `{ source, sink }` as a Node Duplex. The writable
 * side feeds the sink through the bridge's {@link Inbox}, run by a {@link SinkRun} (as `toWritable`
 * does); the readable side pulls `source` through a {@link Pump} (as `toReadable` does). The two halves
 * are independent: each ends on its own, and the stream closes when both have.
 */
import { Duplex, Readable } from 'node:stream';
import { canWriteDirectly, connectFastWrites, reportInboxDrain, type WriteCallback } from '../internal/fast-writes.js';
import { guardByteWrites, refusePipeWhenUsed } from '../internal/guards.js';
import { Inbox, kStopRequested, stopUpstream, trackUpstream } from '../internal/inbox.js';
import { nodeDuplexOptions, resolveDuplexOptions, type DuplexOptions, type ResolvedDuplexOptions } from '../internal/options.js';
import { Pump } from '../internal/pump.js';
import { SinkRun } from '../internal/sink-run.js';
import type { TypedDuplex } from '../internal/types.js';
import { checkStreamOptions, fail, isIterable, isNodeStream } from '../internal/validate.js';
import { fromReadable } from './from-readable.js';

type Callback = (err?: Error | null) => void;

/**
 * A duplex iterable, the it-/libp2p convention (`it-stream-types`' `Duplex`): two independent halves,
 * `source` (what the other end sends) and `sink` (a function that consumes what is sent to it).
 *
 * @example
 * ```ts
 * import type { DuplexIterable } from 'genstream';
 *
 * const greeter: DuplexIterable<string, string> = {
 *   source: ['hello', 'world'],
 *   sink: async (names) => { for await (const name of names) console.log('got', name); },
 * };
 * ```
 */
export interface DuplexIterable<I, O> {
  /** What this duplex produces: read by the consumer (a sync or async iterable, usually a generator). */
  source: AsyncIterable<O> | Iterable<O>;
  /** Consumes everything written to this duplex; its promise settles when it has handled it all. */
  sink: (source: AsyncIterable<I>) => Promise<unknown> | void;
}

/**
 * Options of {@link fromDuplex}: the Duplex options every adapter takes (`objectMode` and per side,
 * `highWaterMark` and per side, `signal`, `encoding` for the readable side, `name` for error messages).
 *
 * @example
 * ```ts
 * import { fromDuplex, type FromDuplexOptions } from 'genstream';
 *
 * const bytes: FromDuplexOptions = { objectMode: false, highWaterMark: 64 * 1024, name: 'conn' };
 * const d = fromDuplex({ source: [Buffer.from('hi')], sink: async () => {} }, bytes);
 * ```
 */
export type FromDuplexOptions = DuplexOptions;

class IterableDuplex<I, O> extends Duplex {
  static {
    reportInboxDrain(this.prototype);
  }

  private readonly inbox: Inbox<I>;
  private readonly pump: Pump<O>;
  /** The sink's run: called on the first write or `end()`, with one argument, its source. */
  private readonly run: SinkRun<I>;
  private readonly fastWrites: boolean;
  /** `source`, when it is a Node Readable. */
  private readonly sourceStream: Readable | null;
  readonly where: string;
  upstream: Readable | null = null;

  constructor(duplex: DuplexIterable<I, O>, where: string, o: ResolvedDuplexOptions) {
    super(nodeDuplexOptions(o));
    this.where = where;
    this.inbox = new Inbox<I>(this.writableHighWaterMark, !o.writableObjectMode);
    this.inbox.onReturned = () => stopUpstream(this.upstream);
    // Called as a method of the duplex object: a sink written as a method may use `this`.
    this.run = new SinkRun(this, this.inbox, () => duplex.sink.call(duplex, this.inbox));
    this.fastWrites = o.writableObjectMode;
    connectFastWrites(this);
    this.pump = new Pump<O>(this, `${where}: source`, o.readableObjectMode);
    // The iterator is opened now, so that destroy() before the first read still returns it (a source
    // that is an iterator with its own `return()`, e.g. a connection's, can release what it holds).
    const source = duplex.source;
    this.sourceStream = source instanceof Readable ? source : null;
    if (typeof source === 'string' || source instanceof Uint8Array) this.pump.setSource([source]);
    // A Readable is read by fromReadable, which removes its listeners on every exit path (Node's own
    // iterator leaves them on a stream it destroyed) and destroys it even when returned before a read.
    else this.pump.setSource(this.sourceStream !== null ? fromReadable(this.sourceStream) : source);
    trackUpstream(this, this, where);
    if (!o.writableObjectMode) guardByteWrites(this, where);
  }

  /** The inbox, as the shared fast-write path sees it (see fast-writes.ts). */
  get fastInbox(): Inbox<unknown> {
    return this.inbox as Inbox<unknown>;
  }

  // Once the sink runs, a plain object-mode write goes straight into its inbox (see fast-writes.ts).
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (this.fastWrites && this.run.running && canWriteDirectly(this, chunk, encoding, cb)) {
      return this.inbox.offer(chunk as I);
    }
    return super.write(chunk, encoding as BufferEncoding, cb);
  }

  override _write(chunk: I, _encoding: BufferEncoding, cb: Callback): void {
    this.run.start();
    this.inbox.push(chunk, cb);
  }

  override _writev(chunks: { chunk: I }[], cb: Callback): void {
    this.run.start();
    this.inbox.pushMany(chunks, cb);
  }

  // 'finish' only after the sink's promise resolved, as with toWritable.
  override _final(cb: Callback): void {
    this.run.final(cb);
  }

  override _read(): void {
    this.pump.read();
  }

  // Lets an error wait behind the items produced before it (see Pump.afterRead).
  override read(size?: number): O {
    const chunk = super.read(size) as O;
    this.pump.afterRead();
    return chunk;
  }

  override pipe<D extends NodeJS.WritableStream>(dest: D, options?: { end?: boolean }): D {
    return refusePipeWhenUsed(this, dest, this.where) ? dest : super.pipe(dest, options);
  }

  override _destroy(err: Error | null, cb: Callback): void {
    // The sink's reads reject (see SinkRun.abort); after both halves finished this changes nothing.
    this.run.abort(err);
    // The source is thrown `err` (or returned) without waiting for it: it is user code.
    this.pump.abort(err);
    // A Readable source waiting for data is not at a yield, so its reader cannot leave yet: destroying
    // the stream ends that wait (and the reader then removes its listeners).
    const stream = this.sourceStream;
    if (stream !== null && !this.pump.completed && !stream.destroyed) stream.destroy();
    cb(err);
  }

  /** Asked by the genstream stage below when it stopped early: end both halves gracefully. */
  [kStopRequested](): void {
    if (this.destroyed) return;
    this.inbox.stop();
    this.pump.stop();
  }
}

/**
 * Makes a Node `Duplex` from a duplex iterable `{ source, sink }` (it-/libp2p style), usable in
 * `stream.pipeline`, with `.pipe()`, or anywhere a socket-like Duplex goes. What is written to the
 * Duplex is the source `sink` iterates; what `source` yields is the readable side.
 *
 * - Backpressure: `source` is pulled only when the readable side asks (`_read`), never past
 *   `readableHighWaterMark`; writes wait (and `write()` returns false) while `writableHighWaterMark`
 *   items (bytes in byte mode) are queued for the sink, which pulls them as it goes.
 * - End: `sink` is called on the first write or `end()`; `'finish'` fires only after its promise
 *   resolved. The readable side ends when `source` ends. The Duplex closes when both halves are done.
 * - Errors: a `sink` that rejects (or throws) and a `source` that throws destroy the Duplex with the
 *   same error object. `null`/`undefined` from `source` in object mode fails with a `NullValueError`.
 * - Cleanup: `destroy(err)` / `options.signal` end both halves without waiting for them. The sink's
 *   pending read rejects — with `err`, or with an `AbortError` for `destroy()` and an abort — so its
 *   `for await` throws (never ends as if the input were complete). `source` is thrown `err` at its
 *   current `yield` (its `catch` sees why), or returned for a plain `destroy()`; its `finally` runs once.
 *   A source waiting inside an `await` (not at a `yield`) finishes once what it waits for settles: an
 *   echo whose source waits for its sink ends when the sink's loop throws. A Node Readable `source` is
 *   read as `fromReadable` reads it: `destroy()` destroys it at once, even while it waits for data, and
 *   leaves no listener on it.
 * - Early stop: when a genstream stage below stops reading early, `source` is returned, the sink's
 *   source ends, and a genstream upstream is asked to end, so the pipeline resolves.
 *
 * A string or Buffer `source` is one chunk, as with `toReadable`. The sink is called with one argument,
 * its source (an `AsyncIterable`, one-shot).
 *
 * @example
 * ```ts
 * import { fromDuplex } from 'genstream';
 *
 * const d = fromDuplex({
 *   source: ['hello', 'world'],
 *   sink: async (input: AsyncIterable<string>) => { for await (const s of input) console.log('sink got', s); },
 * });
 * d.on('data', (s) => console.log('read', s)); // read hello, read world
 * d.end('hi'); // sink got hi
 * ```
 */
export function fromDuplex<I, O>(duplex: DuplexIterable<I, O>, options?: FromDuplexOptions): TypedDuplex<I, O> {
  checkDuplexIterable('fromDuplex', duplex);
  checkStreamOptions('fromDuplex', options);
  const where = `fromDuplex${options?.name ? ` "${options.name}"` : ''}`;
  return new IterableDuplex<I, O>(duplex, where, resolveDuplexOptions(options));
}

function checkDuplexIterable(where: string, duplex: unknown): void {
  if (duplex === null || typeof duplex !== 'object') {
    fail(where, '`duplex` to be a duplex iterable `{ source, sink }`', duplex);
  }
  if (isNodeStream(duplex)) {
    fail(where, '`duplex` to be a duplex iterable `{ source, sink }`, not a Node stream (which is a Duplex already)', duplex);
  }
  const { source, sink } = duplex as Partial<DuplexIterable<unknown, unknown>>;
  if (!isIterable(source)) fail(where, '`duplex.source` to be an iterable or async iterable', source);
  if (typeof sink !== 'function') fail(where, '`duplex.sink` to be a function `(source) => Promise<void>`', sink);
}
