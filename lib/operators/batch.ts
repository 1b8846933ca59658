import { Step, type Pending } from '../internal/kernel.js';
import { fusable, generatorOperator, type Operator } from '../internal/operator.js';
import type { AnyIterable } from '../internal/types.js';
import { checkOptions, checkPositiveInt, fail } from '../internal/validate.js';

/** Options of {@link batch}. */
export interface BatchOptions {
  /**
   * Flush a partial batch when this many milliseconds have passed since its first item arrived (a log
   * shipper that saves every 100 records or every second). Makes the operator time-aware and not
   * fusable.
   */
  maxWaitMs?: number;
}

class BatchStep extends Step {
  private items: unknown[] = [];

  constructor(private readonly size: number) {
    super();
  }

  push(value: unknown): Pending {
    const items = this.items;
    items.push(value);
    if (items.length < this.size) return;
    this.items = [];
    return this.next.push(items);
  }

  override flush(): Pending {
    if (this.items.length === 0) return this.next.flush();
    const items = this.items;
    this.items = [];
    const p = this.next.push(items);
    if (p !== undefined) return p.then(() => this.next.flush());
    return this.next.flush();
  }
}

const TIMEOUT = Symbol('timeout');

/** The time-aware batch: races the source's next item against the oldest item's deadline. */
async function* timedBatch<T>(size: number, maxWaitMs: number, source: AnyIterable<T>): AsyncGenerator<T[], void, undefined> {
  const asyncFn = (source as Partial<AsyncIterable<T>>)[Symbol.asyncIterator];
  const it: AsyncIterator<T> | Iterator<T> = typeof asyncFn === 'function' ? asyncFn.call(source) : (source as Iterable<T>)[Symbol.iterator]();
  let items: T[] = [];
  let pending: Promise<IteratorResult<T>> | null = null; // a next() kept across timeouts: never lost
  let timer: NodeJS.Timeout | undefined;
  let timeout: Promise<typeof TIMEOUT> | null = null;
  let done = false;
  try {
    for (;;) {
      if (pending === null) pending = Promise.resolve(it.next());
      let r: IteratorResult<T> | typeof TIMEOUT;
      if (items.length > 0) {
        if (timeout === null) {
          timeout = new Promise((resolve) => {
            timer = setTimeout(resolve, maxWaitMs, TIMEOUT);
          });
        }
        r = await Promise.race([pending, timeout]);
      } else r = await pending;
      if (r === TIMEOUT) {
        timeout = null;
        const out = items;
        items = [];
        yield out;
        continue;
      }
      pending = null;
      if (r.done) {
        done = true;
        break;
      }
      items.push(r.value);
      if (items.length >= size) {
        clearTimeout(timer);
        timeout = null;
        const out = items;
        items = [];
        yield out;
      }
    }
    if (items.length > 0) yield items;
  } finally {
    clearTimeout(timer);
    if (!done && typeof it.return === 'function') {
      // A next() may still be pending (we left during a timeout flush): let it settle first.
      if (pending !== null) await pending.catch(() => undefined);
      await it.return();
    }
  }
}

/**
 * Groups items into arrays of `size` (the last one may be shorter; it is emitted before the end).
 * Fusable. With `{ maxWaitMs }`, a partial batch is also flushed once its first item has waited that
 * long — a time-aware stage, not fused.
 *
 * @example
 * ```ts
 * import { batch, toArray } from 'genstream';
 * await toArray(batch(2)([1, 2, 3])); // [[1, 2], [3]]
 * // pipeline(logLines, batch(100, { maxWaitMs: 1000 }), saveBatch)
 * ```
 */
export function batch<T>(size: number, options?: BatchOptions): Operator<T, T[]> {
  checkPositiveInt('batch', 'size', size);
  checkOptions('batch', options);
  const maxWaitMs = options?.maxWaitMs;
  if (maxWaitMs !== undefined) {
    if (typeof maxWaitMs !== 'number' || !(maxWaitMs > 0) || maxWaitMs === Infinity) {
      fail('batch', '`options.maxWaitMs` to be a positive finite number', maxWaitMs);
    }
    return generatorOperator('batch', (source: AnyIterable<T>) => timedBatch(size, maxWaitMs, source));
  }
  return fusable('batch', () => new BatchStep(size));
}

/**
 * Alias of {@link batch}, for those who know it as `chunk`.
 *
 * @example
 * ```ts
 * import { chunk, toArray } from 'genstream';
 * await toArray(chunk(2)(['a', 'b', 'c'])); // [['a', 'b'], ['c']]
 * ```
 */
export const chunk: typeof batch = batch;
