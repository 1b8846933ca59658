import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';
import { concurrentMap, wantsConcurrency, type ConcurrencyOptions } from './concurrent.js';

function mapStep(fn: (item: unknown, index: number) => unknown): Step {
  // A class per step: its `push` gets its own type feedback, so V8 can inline this step's `fn` and
  // `next.push` (one shared method would see every map's `fn` and go megamorphic).
  const MapStep = class extends Step {
    private index = 0;
    private readonly resume = (value: unknown): Pending => this.next.push(value);
    private readonly reject = (err: unknown): never => this.fail(err);

    push(value: unknown): Pending {
      let out: unknown;
      try {
        out = fn(value, this.index++);
      } catch (err) {
        this.fail(err);
      }
      if (typeof out === 'object' && out !== null && typeof (out as PromiseLike<unknown>).then === 'function') {
        return (out as Promise<unknown>).then(this.resume, this.reject);
      }
      return this.next.push(out);
    }
  };
  return new MapStep();
}

/**
 * Transforms each item with `fn(item, index)`; `fn` may be sync or async.
 *
 * - Without `concurrency` (or with 1) it is fusable: in `chain()` it runs in one loop with its
 *   neighbours, and an async `fn` is awaited before the next item, so order is kept.
 * - With `{ concurrency: n }` up to `n` calls run at once; `ordered: true` (default) keeps input order.
 *   At most `n` items are in flight. An error stops new calls, waits for the running ones, and is thrown
 *   once (the first one). Not fusable (it is its own stage).
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
  return fusable('map', () => mapStep(f));
}
