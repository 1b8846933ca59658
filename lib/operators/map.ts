import { CallStep, isThenable, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';
import { concurrentMap, wantsConcurrency, type ConcurrencyOptions } from './concurrent.js';

class MapStep extends CallStep {
  override readonly inline = 'map';
  private readonly resume = (value: unknown): Pending => this.next.push(value);

  push(value: unknown): Pending {
    const out = this.call(value);
    if (isThenable(out)) return this.resumeAsync(value, out);
    return this.next.push(out);
  }

  resumeAsync(_value: unknown, promise: PromiseLike<unknown>): Pending {
    return (promise as Promise<unknown>).then(this.resume, this.reject);
  }
}

/**
 * Transforms each item with `fn(item, index)`; `fn` may be sync or async.
 *
 * - Without `concurrency` (or with 1) it is fusable: in `chain()` it runs in one loop with its
 *   neighbours, and an async `fn` is awaited before the next item, so order is kept.
 * - With `{ concurrency: n }` up to `n` calls run at once; `ordered: true` (default) keeps input order.
 *   Backpressure: at most `maxBuffered` items (default `max(16, 8 × n)`) are held — calls running plus
 *   results not yet taken — so calls keep starting while results wait behind a slow earlier item, and
 *   a slow consumer stops the reading once that many are held. An error stops new calls, waits for the
 *   running ones, and is thrown once (the first to fail). Not fusable (it is its own stage).
 *
 * @example
 * ```ts
 * import { map, pipe, toArray } from 'genstream';
 * await toArray(map((n: number) => n * 2)([1, 2, 3])); // [2, 4, 6]
 * const pages = pipe([1, 2, 3], map((id) => fetch(`https://api.example.com/${id}`), { concurrency: 2 }));
 * ```
 */
export function map<I, O>(fn: (item: I, index: number) => O, options?: ConcurrencyOptions): Operator<I, Awaited<O>> {
  checkFunction('map', 'fn', fn);
  const f = fn as (item: unknown, index: number) => unknown;
  if (wantsConcurrency('map', options)) {
    return concurrentMap<I, Awaited<O>>('map', f, options as ConcurrencyOptions, false);
  }
  return fusable('map', () => new MapStep(f));
}
