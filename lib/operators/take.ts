import { Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkNonNegativeInt } from '../internal/validate.js';

class TakeStep extends Step {
  private taken = 0;

  constructor(
    private readonly limit: number,
    private readonly state: KernelState,
  ) {
    super();
    if (limit === 0) state.stopped = true;
  }

  push(value: unknown): Pending {
    if (this.taken >= this.limit) return;
    // Stop the input before passing the last item on, so an upstream flatMap stops spreading too.
    if (++this.taken === this.limit) this.state.stopped = true;
    return this.next.push(value);
  }
}

/**
 * Passes the first `n` items, then stops: the source is returned (its `finally` runs) and, in a
 * `chain()` inside `stream.pipeline`, a genstream upstream ends gracefully so the pipeline resolves.
 * Fusable.
 *
 * @example
 * ```ts
 * import { take, toArray } from 'genstream';
 * async function* naturals() { for (let i = 0; ; i++) yield i; }
 * await toArray(take(3)(naturals())); // [0, 1, 2]
 * ```
 */
export function take<T>(n: number): Operator<T, T> {
  checkNonNegativeInt('take', 'n', n);
  return fusable('take', (state) => new TakeStep(n, state), true);
}
