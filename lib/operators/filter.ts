import { isThenable, Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

class FilterStep extends Step {
  private index = 0;
  private readonly reject = (err: unknown): never => this.fail(err);

  constructor(private readonly fn: (item: unknown, index: number) => unknown) {
    super();
  }

  push(value: unknown): Pending {
    let keep: unknown;
    try {
      keep = this.fn(value, this.index++);
    } catch (err) {
      this.fail(err);
    }
    if (isThenable(keep)) {
      return (keep as Promise<unknown>).then((ok) => (ok ? this.next.push(value) : undefined), this.reject);
    }
    if (keep) return this.next.push(value);
  }
}

/**
 * Keeps the items for which `predicate(item, index)` is truthy; the predicate may be async. A type
 * guard narrows the output type. Fusable.
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
  return fusable('filter', (_state: KernelState) => new FilterStep(predicate as (item: unknown, index: number) => unknown));
}
