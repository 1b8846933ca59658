/**
 * The run of a sink function over a Writable's {@link Inbox} (`toWritable`, `fromDuplex`'s writable
 * side): the sink is called on the first write or `end()`, `_final`'s callback is held until its promise
 * resolves (so `'finish'` means the sink has finished), a sink that resolves before reading everything
 * returns the inbox (the rest is not wanted: an early stop), and a sink that throws or rejects destroys
 * the stream with the same error object.
 */
import type { Writable } from 'node:stream';
import { AbortError } from './errors.js';
import type { Inbox } from './inbox.js';

type Callback = (err?: Error | null) => void;

export class SinkRun<T> {
  /** The sink has been called. */
  started = false;
  /** The sink's promise has settled (or it threw): nothing more will be read from the inbox. */
  settled = false;
  /** `_final`'s callback, held until the sink has resolved. */
  private finalCb: Callback | null = null;

  /** `call` calls the sink with the inbox (and whatever else its adapter passes it). */
  constructor(
    private readonly stream: Writable,
    private readonly inbox: Inbox<T>,
    private readonly call: () => unknown,
  ) {}

  /** The sink has been called and reads on: a write may go straight into the inbox (see fast-writes.ts). */
  get running(): boolean {
    return this.started && !this.settled;
  }

  /** From `_write`/`_writev`/`_final`: calls the sink, once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    let result: unknown;
    try {
      result = this.call();
    } catch (err) {
      this.failed(err);
      return;
    }
    Promise.resolve(result).then(
      () => this.done(),
      (err: unknown) => this.failed(err),
    );
  }

  /** `_final`: the sink's input ends; `cb` runs once the sink's promise has resolved. */
  final(cb: Callback): void {
    this.start();
    this.inbox.end();
    if (this.settled) cb();
    else this.finalCb = cb;
  }

  /**
   * `_destroy`: the sink's pending and later reads reject — with `err`, or an AbortError for a plain
   * `destroy()`, so a sink never mistakes a destroyed stream for the end of its input — and a held
   * `_final` callback is dropped. (After the sink has settled this changes nothing for it.)
   */
  abort(err: Error | null): void {
    this.inbox.fail(err ?? new AbortError('The stream was destroyed'));
    this.finalCb = null;
  }

  private done(): void {
    this.settled = true;
    // The sink may resolve before reading everything: the rest is not wanted (an early stop).
    this.inbox.return();
    const cb = this.finalCb;
    if (cb !== null) {
      this.finalCb = null;
      cb();
    }
  }

  private failed(err: unknown): void {
    this.settled = true;
    // A sink that rejects because the stream was destroyed (its input rejected) adds nothing.
    if (!this.stream.destroyed) this.stream.destroy(err as Error);
  }
}
