import { CallStep, isThenable, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

class FilterStep extends CallStep {
  override readonly inline = 'filter';

  push(value: unknown): Pending {
    const keep = this.call(value);
    if (keep === true) return this.next.push(value);
    if (isThenable(keep)) return this.resumeAsync(value, keep);
    if (keep) return this.next.push(value);
  }

  resumeAsync(value: unknown, promise: PromiseLike<unknown>): Pending {
    return (promise as Promise<unknown>).then((ok) => (ok ? this.next.push(value) : undefined), this.reject);
  }
}

/**
 * Keeps the items for which `predicate(item, index)` is truthy; the predicate may be async (awaited in
 * order). A type-guard predicate narrows the output type. Fusable.
 *
 * @example
 * ```ts
 * import { filter, toArray } from 'genstream';
 * await toArray(filter((n: number) => n % 2 === 0)([1, 2, 3, 4])); // [2, 4]
 * ```
 */
export function filter<I, O extends I>(predicate: (item: I, index: number) => item is O): Operator<I, O>;
export function filter<I>(predicate: (item: I, index: number) => unknown): Operator<I, I>;
export function filter<I>(predicate: (item: I, index: number) => unknown): Operator<I, I> {
  checkFunction('filter', 'predicate', predicate);
  return fusable('filter', () => new FilterStep(predicate as (item: unknown, index: number) => unknown), true);
}
