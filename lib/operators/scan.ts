import { isThenable, Step, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

const NO_SEED = Symbol('no seed');

class ScanStep extends Step {
  private index = 0;
  private readonly reject = (err: unknown): never => this.fail(err);
  private readonly accept = (acc: unknown): Pending => {
    this.acc = acc;
    return this.next.push(acc);
  };

  constructor(
    private readonly fn: (acc: unknown, item: unknown, index: number) => unknown,
    private acc: unknown,
  ) {
    super();
  }

  push(value: unknown): Pending {
    if (this.acc === NO_SEED) {
      // Like itertools.accumulate: without a seed the first item is the first total.
      this.index++;
      return this.accept(value);
    }
    let acc: unknown;
    try {
      acc = this.fn(this.acc, value, this.index++);
    } catch (err) {
      this.fail(err);
    }
    if (isThenable(acc)) return (acc as Promise<unknown>).then(this.accept, this.reject);
    return this.accept(acc);
  }
}

/**
 * Running accumulation: emits `acc = fn(acc, item, index)` after each item (a running total). With a
 * `seed`, the first call gets it as `acc` (the seed itself is not emitted, like RxJS `scan`); without
 * one, the first item is the first total (like Python's `itertools.accumulate`). `fn` may be async.
 * Fusable.
 *
 * @example
 * ```ts
 * import { scan, toArray } from 'genstream';
 * await toArray(scan((sum: number, n: number) => sum + n, 0)([1, 2, 3])); // [1, 3, 6]
 * ```
 */
export function scan<I, A>(fn: (acc: A, item: I, index: number) => A | Promise<A>, seed: A): Operator<I, A>;
export function scan<I>(fn: (acc: I, item: I, index: number) => I | Promise<I>): Operator<I, I>;
export function scan<I, A>(fn: (acc: A, item: I, index: number) => A | Promise<A>, ...seed: [A?]): Operator<I, A> {
  checkFunction('scan', 'fn', fn);
  const f = fn as (acc: unknown, item: unknown, index: number) => unknown;
  const initial = seed.length > 0 ? seed[0] : NO_SEED;
  return fusable('scan', () => new ScanStep(f, initial));
}
