/**
 * The Duplex behind `fromGen` and `chain`: written chunks feed an {@link Inbox} that the stage iterates;
 * what the stage yields is pumped into the readable side by a {@link Pump}.
 *
 * Lifecycle:
 * - The stage starts running on the first write, `end()` or first read, whichever comes first (so a
 *   `destroy()` right after a write still runs the stage's `finally`, and `end()` reaches `'finish'`
 *   with nobody reading, like a Transform).
 * - `end()` ends the stage's source; what the stage yields after its loop is pushed before `'end'`.
 *   `'finish'` fires once the stage has read its whole source (or stopped reading it).
 * - Early stop: when the stage stops reading before its input ends, a genstream upstream is asked to end
 *   gracefully (its generator's `finally` runs, its readable side ends); a foreign upstream keeps running
 *   and its remaining chunks are accepted and dropped, exactly as a Transform that ignores them would.
 * - When the stage below stops early and asks this one to stop, the stage's iterator is returned (its
 *   `finally` runs) and the readable side ends.
 * - `destroy()`/abort: the stage's pending source read rejects, its iterator is returned without
 *   waiting, and `ctx.signal` aborts. Errors from the stage destroy the stream with the same object.
 *
 * Hot path (object mode): a plain `write(chunk)` goes straight into the inbox instead of through the
 * Writable's buffer and callback machinery, answering false at the inbox's limit and emitting
 * `'drain'` once the stage has emptied it; anything else (a callback, cork, a write while Node's buffer
 * holds chunks, after `end()`) takes Node's path. And when the stage finds the inbox empty, it reads
 * the piped upstream itself (one step of the pipe's own flow, now instead of on a later tick), so the
 * stage and a synchronous upstream run in one go with no tick and no wait between items.
 */
import { Duplex, type Readable } from 'node:stream';
import { AbortError } from './errors.js';
import { Inbox, kStopRequested, stopUpstream, trackUpstream } from './inbox.js';
import { guardByteWrites, refusePipeWhenUsed } from './guards.js';
import { nodeDuplexOptions, type ResolvedDuplexOptions } from './options.js';
import { Pump, type StageOrigin } from './pump.js';
import { canWriteDirectly, connectFastWrites, reportInboxDrain, type WriteCallback } from './fast-writes.js';

type Callback = (err?: Error | null) => void;


/** What a stage receives besides its source. */
export interface StageContext {
  /** Aborts when the stream running the stage is destroyed (error, `destroy()`, or `options.signal`). */
  signal: AbortSignal;
}

export type StageBody<I, O> = (source: AsyncIterable<I>, ctx: StageContext) => unknown & (AsyncIterable<O> | Iterable<O>);

export class GenDuplex<I, O> extends Duplex {
  static {
    reportInboxDrain(this.prototype);
  }

  private readonly inbox: Inbox<I>;
  /** The inbox, as the shared fast-write path sees it (see fast-writes.ts). */
  get fastInbox(): Inbox<unknown> {
    return this.inbox as Inbox<unknown>;
  }
  private readonly pump: Pump<O>;
  private readonly body: StageBody<I, O>;
  /** Names the stage in error messages: `fromGen: stage "parse"`. */
  readonly where: string;
  private controller: AbortController | null = null;
  private finalCb: Callback | null = null;
  /** Object-mode writes may bypass Node's write buffer (see `write`). */
  private readonly fastWrites: boolean;
  upstream: Readable | null = null;

  /** `origin`: the chain stage whose output the readable side carries (named in bad-value errors). */
  constructor(body: StageBody<I, O>, where: string, o: ResolvedDuplexOptions, origin?: StageOrigin) {
    super(nodeDuplexOptions(o));
    this.body = body;
    this.where = where;
    this.inbox = new Inbox<I>(this.writableHighWaterMark, !o.writableObjectMode);
    this.inbox.onSettled = this.releaseFinal.bind(this);
    this.inbox.onReturned = () => stopUpstream(this.upstream);
    connectFastWrites(this);
    this.fastWrites = o.writableObjectMode;
    const valueWhere = origin === undefined ? where : `${where}: stage ${origin.index} (${origin.label})`;
    this.pump = new Pump<O>(this, valueWhere, o.readableObjectMode, { onIteratorDone: () => this.inbox.return(), origin });
    trackUpstream(this, this, where);
    if (!o.writableObjectMode) guardByteWrites(this, where);
  }

  private start(): void {
    const controller = (this.controller = new AbortController());
    try {
      this.pump.setSource(this.body(this.inbox, { signal: controller.signal }));
    } catch (err) {
      this.pump.abort();
      this.destroy(err as Error);
    }
  }

  /**
   * A plain object-mode `write(chunk)` while Node's writable side is idle (nothing buffered or being
   * written, not corked, ended or destroyed) is put straight into the inbox: the Writable's per-chunk
   * state, callback and after-write tick are all skipped. Order holds: such a write only happens while
   * Node's buffer is empty, and Node's path also feeds the inbox. The first write takes Node's path: it
   * starts the stage, which may take the chunk at once, and a `'drain'` must never fire inside the
   * `write()` that returns false.
   */
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    // The first write takes Node's path: it starts the stage, which may take the chunk at once, and a
    // 'drain' must never fire inside the write() that returns false.
    if (this.fastWrites && this.pump.started && canWriteDirectly(this, chunk, encoding, cb)) return this.inbox.offer(chunk as I);
    return super.write(chunk, encoding as BufferEncoding, cb);
  }

  override _write(chunk: I, _encoding: BufferEncoding, cb: Callback): void {
    this.inbox.push(chunk, cb);
    if (!this.pump.started) this.startEagerly();
  }

  override _writev(chunks: { chunk: I }[], cb: Callback): void {
    this.inbox.pushMany(chunks, cb);
    if (!this.pump.started) this.startEagerly();
  }

  /**
   * Like a Transform, the stage processes its first write (or the end) even if nobody reads yet: the
   * generator body must run (enter its `try`), or a `destroy()` right after the write would skip its
   * `finally` and an `end()` would never reach `'finish'`. It runs until the readable buffer is full.
   */
  private startEagerly(): void {
    this.start();
    this.pump.read();
  }

  override _final(cb: Callback): void {
    this.inbox.end();
    if (!this.pump.started) this.startEagerly();
    if (this.inbox.settled) cb();
    else this.finalCb = cb;
  }

  override _read(): void {
    if (!this.pump.started) this.start();
    this.pump.read();
  }

  override pipe<D extends NodeJS.WritableStream>(dest: D, options?: { end?: boolean }): D {
    return refusePipeWhenUsed(this, dest, this.where) ? dest : super.pipe(dest, options);
  }

  // Lets an error wait behind the items produced before it (see Pump.afterRead).
  override read(size?: number): O {
    const chunk = super.read(size) as O;
    this.pump.afterRead();
    return chunk;
  }

  override _destroy(err: Error | null, cb: Callback): void {
    // A stage that ran to its end is not aborted by the auto-destroy that follows a normal end.
    if (err !== null || !this.pump.completed) this.controller?.abort(err ?? new AbortError());
    this.inbox.fail(err ?? new AbortError('The stream was destroyed'));
    this.pump.abort(err);
    cb(err);
  }

  private releaseFinal(): void {
    const cb = this.finalCb;
    if (cb !== null) {
      this.finalCb = null;
      cb();
    }
  }

  /** Asked by the genstream stage below when it stopped early: end gracefully. */
  [kStopRequested](): void {
    if (this.destroyed) return;
    this.inbox.stop();
    this.pump.stop();
  }
}
