import { CallStep, isThenable, type KernelState, type Pending } from '../internal/kernel.js';
import { fusable, type Operator } from '../internal/operator.js';
import { checkFunction } from '../internal/validate.js';
import { concurrentMap, wantsConcurrency, type ConcurrencyOptions } from './concurrent.js';

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

class FlatMapStep extends CallStep {
  private readonly spreadResolved = (out: unknown): Pending => this.spread(out);

  constructor(
    fn: (item: unknown, index: number) => unknown,
    private readonly state: KernelState,
  ) {
    super(fn);
  }

  push(value: unknown): Pending {
    const out = this.call(value);
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
        return this.spreadIterator((out as Iterable<unknown>)[Symbol.iterator]());
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

  /**
   * Spreads a sync iterator. Like `for...of`, it returns the iterator (its `finally` runs) when it stops
   * early or a later step throws, but not when the iterator itself threw. An endless iterator is safe:
   * a full terminal makes a push wait (kernel.ts), and the rest continues in `restOfIteratorAsync` as
   * the consumer takes items; a consumer that leaves rejects that wait, which returns the iterator here.
   */
  private spreadIterator(it: Iterator<unknown>): Pending {
    let pushing = false;
    try {
      while (!this.state.stopped) {
        const r = it.next(); // checked `stopped` first: never pull an item nobody wants
        if (r.done) return;
        pushing = true;
        const p = this.next.push(r.value);
        pushing = false;
        if (p !== undefined) return this.restOfIteratorAsync(it, p);
      }
    } catch (err) {
      if (pushing) closeAfterError(it);
      throw err;
    }
    it.return?.();
  }

  private async restOfIteratorAsync(it: Iterator<unknown>, pending: Promise<void>): Promise<void> {
    let pushing = true;
    try {
      await pending;
      pushing = false;
      while (!this.state.stopped) {
        const r = it.next();
        if (r.done) return;
        pushing = true;
        const p = this.next.push(r.value);
        if (p !== undefined) await p;
        pushing = false;
      }
    } catch (err) {
      if (pushing) closeAfterError(it);
      throw err;
    }
    it.return?.();
  }

  private async restOfAsync(iterable: AsyncIterable<unknown>): Promise<void> {
    for await (const item of iterable) {
      const p = this.next.push(item);
      if (p !== undefined) await p;
      if (this.state.stopped) break; // checked after the push: never pull an item nobody wants
    }
  }
}

/** Returns an iterator after a later step failed; the step's error wins over one from `return()`. */
function closeAfterError(it: Iterator<unknown>): void {
  try {
    it.return?.();
  } catch {
    // ignored, like for...of does when the loop body threw
  }
}

/**
 * Maps each item to zero or more items: `fn(item, index)` returns an array, an iterable or an async
 * iterable (spread in order), or a single value (like `Array.prototype.flatMap`, a non-iterable result
 * or a string is one item). `fn` may be async. Fusable, unless `{ concurrency: n }` runs up to `n`
 * calls at once (results are spread in input order with `ordered: true`, the default); then at most
 * `maxBuffered` items are held, calls running plus results not yet taken, as for {@link map} (a result
 * being spread counts as one until its last item is taken).
 *
 * - Laziness: an iterable result is spread as its items are taken, so it may be endless: fused, at most
 *   1024 of its items are made ahead of the consumer (an array result of ordinary size is spread in one
 *   synchronous loop, with no promise per item).
 * - Cleanup: when the consumer stops early (`break`, `return()`, a downstream `take()`) or a later
 *   stage fails, an inner iterable being spread is returned once (its `finally` runs), and so is the
 *   source. An inner iterable that throws rejects with that same error, after the items it gave.
 *
 * @example
 * ```ts
 * import { flatMap, pipe, take, toArray } from 'genstream';
 * await toArray(flatMap((s: string) => s.split(' '))(['a b', 'c'])); // ['a', 'b', 'c']
 * function* naturals() { for (let i = 0; ; i++) yield i; }
 * await toArray(pipe([1], flatMap(() => naturals()), take(5))); // [0, 1, 2, 3, 4]
 * ```
 */
export function flatMap<I, R>(fn: (item: I, index: number) => R, options?: ConcurrencyOptions): Operator<I, FlatItem<Awaited<R>>> {
  checkFunction('flatMap', 'fn', fn);
  const f = fn as (item: unknown, index: number) => unknown;
  if (wantsConcurrency('flatMap', options)) {
    return concurrentMap<I, FlatItem<Awaited<R>>>('flatMap', f, options as ConcurrencyOptions, true);
  }
  // `spreads`: an endless inner iterable is spread only as fast as its items are taken.
  return fusable('flatMap', (state) => new FlatMapStep(f, state), { spreads: true });
}
