import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

function filterStep(fn: (item: unknown, index: number) => unknown): Step {
  // A class per step, for per-step type feedback (see map.ts).
  const FilterStep = class extends Step {
    private index = 0;
    private readonly reject = (err: unknown): never => this.fail(err);

    push(value: unknown): Pending {
      let keep: unknown;
      try {
        keep = fn(value, this.index++);
      } catch (err) {
        this.fail(err);
      }
      if (keep === true) return this.next.push(value);
      if (typeof keep === 'object' && keep !== null && typeof (keep as PromiseLike<unknown>).then === 'function') {
        return (keep as Promise<unknown>).then((ok) => (ok ? this.next.push(value) : undefined), this.reject);
      }
      if (keep) return this.next.push(value);
    }
  };
  return new FilterStep();
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
  return fusable('filter', () => filterStep(predicate as (item: unknown, index: number) => unknown));
}
