import { CallStep, isThenable, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

class TakeWhileStep extends CallStep {
  private readonly decide = (value: unknown, keep: unknown): Pending => {
    if (keep && !this.state.stopped) return this.next.push(value);
    this.state.stopped = true;
  };

  constructor(
    fn: (item: unknown, index: number) => unknown,
    private readonly state: KernelState,
  ) {
    super(fn);
  }

  push(value: unknown): Pending {
    if (this.state.stopped) return;
    const keep = this.call(value);
    if (isThenable(keep)) return (keep as Promise<unknown>).then((k) => this.decide(value, k), this.reject);
    return this.decide(value, keep);
  }
}

/**
 * Passes items while `predicate(item, index)` is truthy; at the first falsy result it stops (that item
 * is dropped and the source is returned, its `finally` runs). The predicate may be async. Fusable.
 *
 * @example
 * ```ts
 * import { takeWhile, toArray } from 'genstream';
 * await toArray(takeWhile((n: number) => n < 3)([1, 2, 3, 1])); // [1, 2]
 * ```
 */
export function takeWhile<I, O extends I>(predicate: (item: I, index: number) => item is O): Operator<I, O>;
export function takeWhile<I>(predicate: (item: I, index: number) => unknown): Operator<I, I>;
export function takeWhile<I>(predicate: (item: I, index: number) => unknown): Operator<I, I> {
  checkFunction('takeWhile', 'predicate', predicate);
  return fusable('takeWhile', (state) => new TakeWhileStep(predicate as (item: unknown, index: number) => unknown, state), true);
}
