import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction, checkOptions, checkPositiveInt, fail } from '../internal/validate.js';

/** A progress report. */
export interface Progress {
  /** Items seen so far. */
  items: number;
  /** Bytes seen so far (length of Buffer/Uint8Array items, UTF-8 length of string items). */
  bytes: number;
  /** Milliseconds since the first item. */
  elapsedMs: number;
  /** Average items per second since the first item. */
  itemsPerSec: number;
  /** Average bytes per second since the first item. */
  bytesPerSec: number;
  /**
   * `true` for the last report, sent once: when the source ends, or when the consumer stops early (a
   * downstream `take()`, a `break` out of `for await`, `return()`, a destroyed chain). Not sent when
   * the run fails.
   */
  done: boolean;
}

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** Report every this many items (default 1000). */
  every?: number;
  /** Also report when this many milliseconds have passed since the last report (checked per item). */
  intervalMs?: number;
  /** Called synchronously with each report; keep it cheap (draw a bar, log a line). */
  onProgress: (progress: Progress) => void;
}

function sizeOf(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'string') return Buffer.byteLength(value);
  return 0;
}

class ProgressStep extends Step {
  private items = 0;
  private bytes = 0;
  private started = 0;
  private lastReport = 0;
  /** The final report was sent (by `flush` or `close`, whichever comes first). */
  private ended = false;

  constructor(
    private readonly every: number,
    private readonly intervalMs: number,
    private readonly onProgress: (progress: Progress) => void,
  ) {
    super();
  }

  push(value: unknown): Pending {
    if (this.items === 0) this.started = this.lastReport = performance.now();
    this.items++;
    this.bytes += sizeOf(value);
    if (this.items % this.every === 0) this.report(false, performance.now());
    else if (this.intervalMs > 0) {
      const now = performance.now();
      if (now - this.lastReport >= this.intervalMs) this.report(false, now);
    }
    return this.next.push(value);
  }

  override flush(): Pending {
    this.finalReport();
    return this.next.flush();
  }

  /** Stopped from below (break, return(), a stage after this group that stopped early). */
  override close(): void {
    try {
      this.finalReport();
    } finally {
      this.next.close();
    }
  }

  private finalReport(): void {
    if (this.ended) return;
    this.ended = true;
    this.report(true, performance.now());
  }

  private report(done: boolean, now: number): void {
    this.lastReport = now;
    const elapsedMs = this.items === 0 ? 0 : now - this.started;
    const secs = elapsedMs / 1000;
    try {
      this.onProgress({
        items: this.items,
        bytes: this.bytes,
        elapsedMs,
        itemsPerSec: secs > 0 ? this.items / secs : 0,
        bytesPerSec: secs > 0 ? this.bytes / secs : 0,
        done,
      });
    } catch (err) {
      this.fail(err);
    }
  }
}

/**
 * Reports progress of a long job without changing its items: items/s, bytes/s and elapsed time, every
 * `every` items (and/or every `intervalMs`), plus one final report with `done: true` when the source
 * ends or the consumer stops early (a downstream `take()`, a `break`, `return()`) — enough for a CLI
 * to draw a progress bar and finish it. A failed run gets no final report; an error thrown by
 * `onProgress` fails the run (from the final report of an early stop: `return()` rejects with it,
 * after the source was returned). Fusable.
 *
 * @example
 * ```ts
 * import { pipe, progress, take } from 'genstream';
 *
 * async function* source() { for (let i = 0; ; i++) yield i; }
 * const report = progress<number>({ every: 2, onProgress: (p) => console.log(p.items, p.done) });
 * for await (const n of pipe(source, report, take(5))) console.log('row', n);
 * // reports 2 false, 4 false, then 5 true: the final report once take(5) has stopped the run
 * ```
 */
export function progress<T>(options: ProgressOptions): Operator<T, T> {
  if (options === null || typeof options !== 'object') fail('progress', '`options` to be an object with `onProgress`', options);
  checkOptions('progress', options);
  checkFunction('progress', 'options.onProgress', options.onProgress);
  const every = options.every ?? 1000;
  checkPositiveInt('progress', 'options.every', every);
  const intervalMs = options.intervalMs ?? 0;
  if (typeof intervalMs !== 'number' || !(intervalMs >= 0)) fail('progress', '`options.intervalMs` to be a non-negative number', intervalMs);
  return fusable('progress', () => new ProgressStep(every, intervalMs, options.onProgress));
}
