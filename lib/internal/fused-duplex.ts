/**
 * The Duplex a `chain()` of fusable operators becomes: a Transform-like stream whose `_write` pushes
 * each chunk through the compiled step chain and the results straight into the readable side. No
 * generator, no promise per item: a fused group costs one stream boundary.
 *
 * Backpressure mirrors Node's Transform: when a write leaves the readable buffer at or above its
 * high-water mark, the write callback is held until `_read`. An async step (a map returning a promise)
 * delays only the write that caused it. One write that spreads into very many items (a flatMap over an
 * endless generator) waits inside the push once OUTPUT_LIMIT items past the high-water mark are
 * buffered, and continues at the next `_read`; an early stop or destroy unwinds it (CONSUMER_LEFT).
 */
import { Duplex, type Readable } from 'node:stream';
import { ErrorAfterItems } from './after-items.js';
import { isAbortError, NullValueError } from './errors.js';
import { tagError } from './stage-error.js';
import { kStopRequested, stopUpstream, trackUpstream } from './inbox.js';
import { guardByteWrites, refusePipeWhenUsed } from './guards.js';
import { compile, CONSUMER_LEFT, OUTPUT_LIMIT, type FusableInfo, type KernelState, type Pending, type Push } from './kernel.js';
import { nodeDuplexOptions, type ResolvedDuplexOptions } from './options.js';

type Callback = (err?: Error | null) => void;

const noop = (): void => {};

/** Terminal step: pushes into the stream's readable side. */
class Emit implements Push {
  private readonly where: string;
  /** Items pushed while the readable buffer was at or over its high-water mark, since the last `_read`. */
  over = 0;
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
    // After an early stop the readable side is closed: a step still finishing its item unwinds.
    if (this.stream.outputClosed) return Promise.reject(CONSUMER_LEFT);
    if (!this.stream.push(value) && ++this.over >= OUTPUT_LIMIT) return this.stream.waitForRead();
  }
  flush(): Pending {}
  close(): void {}
}

export class FusedDuplex extends Duplex {
  private readonly head: Push;
  private readonly terminal: Emit;
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
  /** The steps had their last word (flush started, a step failed, or `close()`): no `close()` now. */
  private stepsEnded = false;
  /** A push waiting in Emit for the next `_read` (see waitForRead). */
  private readResume: (() => void) | null = null;
  private readCancel: ((reason: unknown) => void) | null = null;
  private readonly holdRead = (resolve: () => void, reject: (reason: unknown) => void): void => {
    this.readResume = resolve;
    this.readCancel = reject;
  };

  constructor(infos: { info: FusableInfo; stage: number }[], where: string, o: ResolvedDuplexOptions) {
    super(nodeDuplexOptions(o));
    this.terminal = new Emit(this, where, infos[infos.length - 1]);
    this.head = compile(infos, this.terminal, this.state);
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
        (err: unknown) => this.stepFailed(err, cb),
      );
    } else this.afterWrite(cb, before);
  }

  /** A push or flush that waited failed: a step's error fails the stream; CONSUMER_LEFT just ends the write. */
  private stepFailed(err: unknown, cb: Callback): void {
    if (err !== CONSUMER_LEFT) {
      this.stepsEnded = true;
      this.errors.fail(err);
    } else if (!this.destroyed) cb();
  }

  /** Emit's push waits until the consumer reads again (`_read`), or unwinds on an early stop or destroy. */
  waitForRead(): Promise<void> {
    return new Promise<void>(this.holdRead);
  }

  /** Unwinds a push waiting in Emit (the consumer left). */
  private cancelWaitingPush(): void {
    const cancel = this.readCancel;
    this.readResume = this.readCancel = null;
    cancel?.(CONSUMER_LEFT);
  }

  /** The consumer left early: the steps say their last word (progress reports done), once. Returns its error. */
  private closeSteps(): { err: unknown } | null {
    if (this.stepsEnded) return null;
    this.stepsEnded = true;
    try {
      this.head.close();
    } catch (err) {
      return { err };
    }
    return null;
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
          (err: unknown) => this.stepFailed(err, cb),
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
    this.cancelWaitingPush();
    // Destroyed before the end by a consumer that stopped reading (a `break` destroys with an
    // AbortError), not by a failure: the steps' last word; an error it throws fails the stream.
    const closeError = err == null || isAbortError(err) ? this.closeSteps() : null;
    cb(closeError !== null ? (closeError.err as Error) : err);
  }

  override _read(): void {
    this.terminal.over = 0;
    const resume = this.readResume;
    if (resume !== null) {
      this.readResume = this.readCancel = null;
      resume();
    }
    const cb = this.held;
    if (cb !== null) {
      this.held = null;
      cb();
    }
  }

  override _final(cb: Callback): void {
    if (this.discarding) return cb();
    this.stepsEnded = true;
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
        (err: unknown) => this.stepFailed(err, cb),
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
      this.stepsEnded = true;
      try {
        const pending = this.head.flush();
        if (pending !== undefined) {
          pending.then(
            () => this.endReadable(),
            (err: unknown) => this.stepFailed(err, noop),
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
    if (this.destroyed || this.discarding) return;
    this.cancelWaitingPush();
    const closeError = this.closeSteps();
    if (closeError !== null) return this.errors.fail(closeError.err);
    this.stopEarly(false);
  }
}
