/**
 * What a fusable operator returns when `stream.pipeline` calls it (`op(source, { signal })`): a Readable
 * that runs the fused group over `source` and pushes each input's results into its buffer in one go.
 * When the next stage is a Node stream, pipeline pipes this Readable into it, so the items cross with
 * no promise per item (`lines()` pays per chunk, not per line). When the next stage is a function (or
 * anything iterates it first), `[Symbol.asyncIterator]()` hands out the plain fused generator instead,
 * so nothing is paid for a stream nobody uses as one.
 *
 * Cleanup: destroy (and pipeline's abort of `signal`, which it sends after an error elsewhere) returns
 * the group's generator, which returns the source; an error comes after the items pushed before it.
 */
import { Readable } from 'node:stream';
import { ErrorAfterItems } from './after-items.js';
import { AbortError, NullValueError } from './errors.js';
import { refusePipeWhenUsed } from './guards.js';
import { kStopRequested } from './inbox.js';
import { FusedRun } from './fused-run.js';
import { fusedYieldsLines, fuseStage, isThenable, type FusableInfo } from './kernel.js';
import { markLineItems } from './line-items.js';
import { tagError } from './stage-error.js';
import type { AnyIterable } from './types.js';

const noop = (): void => {};

/** `true` for the second argument `stream.pipeline` (and `Duplex.from`) pass a function stage. */
export function isPipelineCall(ctx: unknown): ctx is { signal: AbortSignal } {
  return ctx != null && typeof ctx === 'object' && (ctx as { signal?: unknown }).signal instanceof AbortSignal;
}

export class FusedReadable extends Readable {
  private run: FusedRun<unknown> | null = null;
  /** Iterated as a generator (never started as a stream). */
  private handedOut = false;
  private pulling = false;
  private stopping = false;
  private readonly errors = new ErrorAfterItems(this);
  private readonly onFilled = (): void => this.deliver();
  private readonly onValue = (value: unknown): void => {
    if (this.destroyed) return;
    if (this.pushValue(value)) this.deliver();
  };
  private readonly onError = (err: unknown): void => {
    this.pulling = false;
    this.errors.fail(err);
  };
  // Destroyed with an AbortError, not closed: on Node 24 the stage's signal aborts together with the
  // caller's, and pipeline would report this stream's premature close instead of the abort.
  private readonly onAbort = (): void => {
    if (!this.destroyed && !this.readableEnded) this.destroy(new AbortError(undefined, { cause: this.signal.reason }));
  };
  /** `push()` asked for more during the last delivery. */
  private wantsMore = true;

  constructor(
    private readonly infos: readonly { info: FusableInfo; stage: number }[],
    private readonly source: AnyIterable<unknown>,
    private readonly where: string,
    private readonly signal: AbortSignal,
  ) {
    super({ objectMode: true });
    if (fusedYieldsLines(infos, source)) markLineItems(this);
    if (signal.aborted) process.nextTick(this.onAbort);
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * The next fusable operator in the same pipeline takes this stage's group over, if nobody has
   * started it as a stream: `pipeline(src, map(f), filter(g), sink)` runs map and filter as one
   * fused group, and this Readable is left unused.
   */
  absorb(): { infos: readonly { info: FusableInfo; stage: number }[]; source: AnyIterable<unknown> } | undefined {
    if (this.run !== null || this.handedOut || this.destroyed || this.readableFlowing !== null || this.listenerCount('data') > 0) return undefined;
    this.handedOut = true;
    this.signal.removeEventListener('abort', this.onAbort);
    return { infos: this.infos, source: this.source };
  }

  override [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    if (this.run === null && !this.handedOut && !this.destroyed && this.readableFlowing === null) {
      this.handedOut = true;
      this.signal.removeEventListener('abort', this.onAbort);
      return fuseStage(this.infos, this.source);
    }
    return super[Symbol.asyncIterator]();
  }

  override pipe<D extends NodeJS.WritableStream>(dest: D, options?: { end?: boolean }): D {
    return refusePipeWhenUsed(this, dest, this.where) ? dest : super.pipe(dest, options);
  }

  override _read(): void {
    if (this.pulling || this.stopping) return;
    if (this.run === null) {
      if (this.handedOut) {
        this.destroy(new Error(`${this.where}: this stage's output is already being iterated; it cannot also be read as a stream`));
        return;
      }
      this.run = new FusedRun(this.infos, this.source);
    }
    this.pull();
  }

  private pull(): void {
    this.pulling = true;
    (this.run as FusedRun<unknown>).fill().then(this.onFilled, this.onError);
  }

  /**
   * Pushes what the last input produced, all at once (like a Transform's pushes for one chunk).
   * `pulling` stays set meanwhile, so a `_read` from inside a push starts nothing.
   */
  private deliver(): void {
    if (this.destroyed) return;
    const run = this.run as FusedRun<unknown>;
    const items = run.items;
    while (run.pos < items.length) {
      const value = items[run.pos++];
      if (isThenable(value)) {
        // Settled before it is pushed, like a generator's `yield` (rare: a filter passing promises).
        this.pulling = true;
        Promise.resolve(value).then(this.onValue, this.onError);
        return;
      }
      if (!this.pushValue(value)) {
        this.pulling = false;
        return;
      }
    }
    items.length = 0;
    run.pos = 0;
    this.pulling = false;
    const failure = run.takeFailure();
    if (failure !== null) return this.errors.fail(failure.err);
    if (run.exhausted) return this.end();
    if (this.stopping) this.finishStop();
    else if (this.wantsMore) this.pull();
  }

  /** Pushes one value; `false` when it failed the stream (a null value). */
  private pushValue(value: unknown): boolean {
    if (value == null) {
      const last = this.infos[this.infos.length - 1];
      const err = new NullValueError(this.where);
      tagError(err, last.stage, last.info.label);
      this.errors.fail(err);
      return false;
    }
    this.wantsMore = this.push(value);
    return true;
  }

  private end(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.push(null);
  }

  // Lets an error wait behind the items produced before it (see ErrorAfterItems).
  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    this.errors.afterRead();
    return chunk;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.errors.cancel();
    this.signal.removeEventListener('abort', this.onAbort);
    // Return the group (and so the source) without waiting: it is user code that may never settle.
    this.run?.return().then(noop, noop);
    cb(err);
  }

  /** Asked by the genstream stage below when it stopped early: end gracefully. */
  [kStopRequested](): void {
    if (this.destroyed || this.stopping) return;
    this.stopping = true;
    if (!this.pulling) this.finishStop();
  }

  private finishStop(): void {
    const run = this.run;
    if (run === null) return this.end();
    run.return().then(
      () => this.end(),
      (err: unknown) => this.errors.fail(err),
    );
  }
}
