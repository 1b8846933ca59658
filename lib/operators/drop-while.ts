import { CallStep, isThenable, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

class DropWhileStep extends CallStep {
  private dropping = true;
  private readonly decide = (value: unknown, drop: unknown): Pending => {
    if (drop) return;
    this.dropping = false;
    return this.next.push(value);
  };

  push(value: unknown): Pending {
    if (!this.dropping) return this.next.push(value);
    const drop = this.call(value);
    if (isThenable(drop)) return (drop as Promise<unknown>).then((d) => this.decide(value, d), this.reject);
    return this.decide(value, drop);
  }
}

/**
 * Skips items while `predicate(item, index)` is truthy, then passes every item from the first falsy
 * one on (the predicate is not called again). The predicate may be async. Fusable.
 *
 * @example
 * ```ts
 * import { dropWhile, toArray } from 'genstream';
 * await toArray(dropWhile((n: number) => n < 3)([1, 2, 3, 1])); // [3, 1]
 * ```
 */
export function dropWhile<I>(predicate: (item: I, index: number) => unknown): Operator<I, I> {
  checkFunction('dropWhile', 'predicate', predicate);
  return fusable('dropWhile', () => new DropWhileStep(predicate as (item: unknown, index: number) => unknown), true);
}
