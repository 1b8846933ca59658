import { isThenable, Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

class MapStep extends Step {
  private index = 0;
  private readonly resume = (value: unknown): Pending => this.next.push(value);
  private readonly reject = (err: unknown): never => this.fail(err);

  constructor(private readonly fn: (item: unknown, index: number) => unknown) {
    super();
  }

  push(value: unknown): Pending {
    let out: unknown;
    try {
      out = this.fn(value, this.index++);
    } catch (err) {
      this.fail(err);
    }
    if (isThenable(out)) return (out as Promise<unknown>).then(this.resume, this.reject);
    return this.next.push(out);
  }
}

/**
 * Transforms each item with `fn(item, index)`; `fn` may be sync or async (an async `fn` is awaited
 * before the next item, so order is kept). Fusable: in `chain()` it runs in one loop with its
 * neighbours. For parallel async calls use `map(fn, { concurrency })` (operators module).
 *
 * @example
 * ```ts
 * import { map, toArray } from 'genstream';
 * await toArray(map((n: number) => n * 2)([1, 2, 3])); // [2, 4, 6]
 * ```
 */
export function map<I, O>(fn: (item: I, index: number) => O): Operator<I, Awaited<O>> {
  checkFunction('map', 'fn', fn);
  return fusable('map', (_state: KernelState) => new MapStep(fn as (item: unknown, index: number) => unknown));
}
