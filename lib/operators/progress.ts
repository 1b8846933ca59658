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
  /** `true` for the last report, sent when the source ends. */
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
    this.report(true, performance.now());
    return this.next.flush();
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
 * `every` items (and/or every `intervalMs`), plus a final report with `done: true` when the source
 * ends — enough for a CLI to draw a progress bar. Fusable.
 *
 * @example
 * ```ts
 * import { pipe, progress } from 'genstream';
 * const rows = pipe(source, progress({ every: 10_000, onProgress: (p) => process.stderr.write(`\r${p.items} rows`) }));
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
