import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkNonNegativeInt } from '../internal/validate.js';

class DropStep extends Step {
  private seen = 0;

  constructor(private readonly count: number) {
    super();
  }

  push(value: unknown): Pending {
    if (this.seen < this.count) {
      this.seen++;
      return;
    }
    return this.next.push(value);
  }
}

/**
 * Skips the first `n` items and passes the rest. Fusable.
 *
 * @example
 * ```ts
 * import { drop, toArray } from 'genstream';
 * await toArray(drop(2)([1, 2, 3, 4])); // [3, 4]
 * ```
 */
export function drop<T>(n: number): Operator<T, T> {
  checkNonNegativeInt('drop', 'n', n);
  return fusable('drop', () => new DropStep(n), true);
}
