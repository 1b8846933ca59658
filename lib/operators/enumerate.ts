import { Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { fail } from '../internal/validate.js';

class EnumerateStep extends Step {
  constructor(private index: number) {
    super();
  }

  push(value: unknown): Pending {
    return this.next.push([this.index++, value]);
  }
}

/**
 * Pairs each item with its index: `[index, item]`, counting from `start` (default 0), like Python's
 * `enumerate`. Fusable.
 *
 * @example
 * ```ts
 * import { enumerate, toArray } from 'genstream';
 * await toArray(enumerate<string>(1)(['a', 'b'])); // [[1, 'a'], [2, 'b']]
 * ```
 */
export function enumerate<T>(start = 0): Operator<T, [number, T]> {
  if (!Number.isInteger(start)) fail('enumerate', '`start` to be an integer', start);
  return fusable('enumerate', () => new EnumerateStep(start));
}
