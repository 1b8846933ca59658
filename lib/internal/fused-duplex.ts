/**
 * The Duplex a `chain()` of fusable operators becomes: a Transform-like stream whose `_write` pushes
 * each chunk through the compiled step chain and the results straight into the readable side. No
 * generator, no promise per item: a fused group costs one stream boundary.
 *
 * Backpressure mirrors Node's Transform: when a write leaves the readable buffer at or above its
 * high-water mark, the write callback is held until `_read`. An async step (a map returning a promise)
 * delays only the write that caused it.
 */
import { Duplex, type Readable } from 'node:stream';
import { ErrorAfterItems } from './after-items.js';
import { NullValueError } from './errors.js';
import { tagError } from './stage-error.js';
import { kStopRequested, stopUpstream, trackUpstream } from './inbox.js';
import { guardByteWrites, refusePipeWhenUsed } from './guards.js';
import { compile, type FusableInfo, type KernelState, type Pending, type Push } from './kernel.js';
import { nodeDuplexOptions, type ResolvedDuplexOptions } from './options.js';

type Callback = (err?: Error | null) => void;

/** Terminal step: pushes into the stream's readable side. */
class Emit implements Push {
  private readonly where: string;
  constructor(
    private readonly stream: FusedDuplex,
    where: string,
    /** The last fused step: it yielded what reaches this terminal. */
    private readonly origin: { stage: number; info: FusableInfo },
  ) {
    this.where = origin.stage >= 0 ? `${where}: stage ${origin.stage} (${origin.info.label})` : where;
  }
  push(value: unknown): Pending {
    if (value == null) {
      const err = new NullValueError(this.where);
      tagError(err, this.origin.stage, this.origin.info.label);
      throw err;
    }
    // After an early stop the readable side is closed; an async step still finishing its item is dropped.
    if (!this.stream.outputClosed) this.stream.push(value);
  }
  flush(): Pending {}
}

export class FusedDuplex extends Duplex {
  private readonly head: Push;
  private readonly state: KernelState = { stopped: false };
  private held: Callback | null = null;
  /** No more input is wanted (a take() finished, or the stage below stopped early). */
  private discarding = false;
  /** `push(null)` has been called: nothing more may be pushed. */
  outputClosed = false;
  upstream: Readable | null = null;
  /** Names the stream in error messages. */
  private readonly where: string;
  /** A step's error reaches the consumer after the items pushed before it. */
  private readonly errors = new ErrorAfterItems(this);

  constructor(infos: { info: FusableInfo; stage: number }[], where: string, o: ResolvedDuplexOptions) {
    super(nodeDuplexOptions(o));
    this.head = compile(infos, new Emit(this, where, infos[infos.length - 1]), this.state);
    trackUpstream(this, this, where);
    if (!o.writableObjectMode) guardByteWrites(this, where);
    this.where = where;
    // take(0) and the like want no input at all: end now, and stop an upstream as soon as it is piped in.
    if (this.state.stopped) this.stopEarly(true);
    this.on('pipe', (src: Readable) => {
      if (this.discarding) stopUpstream(src);
    });
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, cb: Callback): void {
    if (this.discarding) return cb();
    const before = this.readableLength;
    let pending: Pending;
    try {
      pending = this.head.push(chunk);
    } catch (err) {
      return this.errors.fail(err);
    }
    if (pending !== undefined) {
      pending.then(
        () => this.afterWrite(cb, before),
        (err: unknown) => this.errors.fail(err),
      );
    } else this.afterWrite(cb, before);
  }

  override _writev(chunks: { chunk: unknown }[], cb: Callback): void {
    this.writeFrom(chunks, 0, cb, this.readableLength);
  }

  /** `before`: the readable length before this batch, so a batch that pushed nothing never holds `cb`. */
  private writeFrom(chunks: { chunk: unknown }[], from: number, cb: Callback, before: number): void {
    const head = this.head;
    const state = this.state;
    for (let i = from; i < chunks.length; i++) {
      if (this.discarding || state.stopped) break;
      let pending: Pending;
      try {
        pending = head.push(chunks[i].chunk);
      } catch (err) {
        return this.errors.fail(err);
      }
      if (pending !== undefined) {
        pending.then(
          () => this.writeFrom(chunks, i + 1, cb, before),
          (err: unknown) => this.errors.fail(err),
        );
        return;
      }
    }
    this.afterWrite(cb, before);
  }

  private afterWrite(cb: Callback, before: number): void {
    if (this.destroyed) return;
    if (this.state.stopped && !this.discarding) {
      this.stopEarly(true);
      return cb();
    }
    // Like Transform: release the writer unless this write grew a full readable buffer.
    if (this.discarding || before === this.readableLength || this.readableLength < this.readableHighWaterMark) cb();
    else this.held = cb;
  }

  override pipe<D extends NodeJS.WritableStream>(dest: D, options?: { end?: boolean }): D {
    return refusePipeWhenUsed(this, dest, this.where) ? dest : super.pipe(dest, options);
  }

  // Lets an error wait behind the items produced before it (see ErrorAfterItems).
  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    this.errors.afterRead();
    return chunk;
  }

  override _destroy(err: Error | null, cb: Callback): void {
    this.errors.cancel();
    cb(err);
  }

  override _read(): void {
    const cb = this.held;
    if (cb !== null) {
      this.held = null;
      cb();
    }
  }

  override _final(cb: Callback): void {
    if (this.discarding) return cb();
    let pending: Pending;
    try {
      pending = this.head.flush();
    } catch (err) {
      return this.errors.fail(err);
    }
    if (pending !== undefined) {
      pending.then(
        () => {
          this.endReadable();
          cb();
        },
        (err: unknown) => this.errors.fail(err),
      );
    } else {
      this.endReadable();
      cb();
    }
  }

  /** The fused group wants no more input: flush it (e.g. a batch after take), end, stop upstream. */
  private stopEarly(flush: boolean): void {
    this.discarding = true;
    if (flush) {
      try {
        const pending = this.head.flush();
        if (pending !== undefined) {
          pending.then(
            () => this.endReadable(),
            (err: unknown) => this.errors.fail(err),
          );
          stopUpstream(this.upstream);
          return;
        }
      } catch (err) {
        this.errors.fail(err);
        return;
      }
    }
    this.endReadable();
    stopUpstream(this.upstream);
  }

  private endReadable(): void {
    if (!this.outputClosed && !this.destroyed) {
      this.outputClosed = true;
      this.push(null);
    }
    const cb = this.held;
    if (cb !== null) {
      this.held = null;
      cb();
    }
  }

  /** Asked by the genstream stage below when it stopped early: end gracefully. */
  [kStopRequested](): void {
    if (!this.destroyed && !this.discarding) this.stopEarly(false);
  }
}
