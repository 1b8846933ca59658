import { CallStep, isThenable, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

class TapStep extends CallStep {
  override readonly inline = 'tap';

  push(value: unknown): Pending {
    const r = this.call(value);
    if (isThenable(r)) return this.resumeAsync(value, r);
    return this.next.push(value);
  }

  resumeAsync(value: unknown, promise: PromiseLike<unknown>): Pending {
    return (promise as Promise<unknown>).then(() => this.next.push(value), this.reject);
  }
}

/**
 * Calls `fn(item, index)` for its side effect and passes the item on unchanged; an async `fn` is
 * awaited before the item moves on. Fusable.
 *
 * @example
 * ```ts
 * import { pipe, tap } from 'genstream';
 * for await (const n of pipe([1, 2], tap((n) => console.log('saw', n)))) void n;
 * ```
 */
export function tap<I>(fn: (item: I, index: number) => unknown): Operator<I, I> {
  checkFunction('tap', 'fn', fn);
  return fusable('tap', () => new TapStep(fn as (item: unknown, index: number) => unknown), true);
}
