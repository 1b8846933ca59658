import { isThenable, Step, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';

/** Items of what a flatMap callback returns: arrays and (async) iterables are spread, anything else is one item. */
export type FlatItem<R> = R extends string
  ? R
  : R extends readonly (infer T)[]
    ? T
    : R extends AsyncIterable<infer T>
      ? T
      : R extends Iterable<infer T>
        ? T
        : R;

class FlatMapStep extends Step {
  private index = 0;
  private readonly spreadResolved = (out: unknown): Pending => this.spread(out);
  private readonly reject = (err: unknown): never => this.fail(err);

  constructor(
    private readonly fn: (item: unknown, index: number) => unknown,
    private readonly state: KernelState,
  ) {
    super();
  }

  push(value: unknown): Pending {
    let out: unknown;
    try {
      out = this.fn(value, this.index++);
    } catch (err) {
      this.fail(err);
    }
    if (isThenable(out)) return (out as Promise<unknown>).then(this.spreadResolved, this.reject);
    return this.spread(out);
  }

  private spread(out: unknown): Pending {
    if (Array.isArray(out)) {
      for (let i = 0; i < out.length && !this.state.stopped; i++) {
        const p = this.next.push(out[i]);
        if (p !== undefined) return this.restOfArray(out, i + 1, p);
      }
      return;
    }
    if (out != null && typeof out !== 'string') {
      if (typeof (out as Iterable<unknown>)[Symbol.iterator] === 'function') {
        return this.restOfIterator((out as Iterable<unknown>)[Symbol.iterator](), undefined);
      }
      if (typeof (out as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        return this.restOfAsync(out as AsyncIterable<unknown>);
      }
    }
    return this.next.push(out); // like Array.prototype.flatMap: a non-iterable result is one item
  }

  private async restOfArray(out: unknown[], from: number, pending: Promise<void>): Promise<void> {
    await pending;
    for (let i = from; i < out.length && !this.state.stopped; i++) {
      const p = this.next.push(out[i]);
      if (p !== undefined) await p;
    }
  }

  private restOfIterator(it: Iterator<unknown>, pending: Promise<void> | undefined): Pending {
    if (pending === undefined) {
      for (let r = it.next(); !r.done; r = it.next()) {
        if (this.state.stopped) {
          it.return?.();
          return;
        }
        const p = this.next.push(r.value);
        if (p !== undefined) return this.restOfIterator(it, p);
      }
      return;
    }
    return (async () => {
      await pending;
      for (let r = it.next(); !r.done; r = it.next()) {
        if (this.state.stopped) {
          it.return?.();
          return;
        }
        const p = this.next.push(r.value);
        if (p !== undefined) await p;
      }
    })();
  }

  private async restOfAsync(iterable: AsyncIterable<unknown>): Promise<void> {
    for await (const item of iterable) {
      if (this.state.stopped) break;
      const p = this.next.push(item);
      if (p !== undefined) await p;
    }
  }
}

/**
 * Maps each item to zero or more items: `fn(item, index)` returns an array, an iterable or an async
 * iterable (spread in order), or a single value (like `Array.prototype.flatMap`, a non-iterable result
 * or a string is one item). `fn` may be async. Fusable.
 *
 * @example
 * ```ts
 * import { flatMap, toArray } from 'genstream';
 * await toArray(flatMap((s: string) => s.split(' '))(['a b', 'c'])); // ['a', 'b', 'c']
 * ```
 */
export function flatMap<I, R>(fn: (item: I, index: number) => R): Operator<I, FlatItem<Awaited<R>>> {
  checkFunction('flatMap', 'fn', fn);
  return fusable('flatMap', (state) => new FlatMapStep(fn as (item: unknown, index: number) => unknown, state));
}
