import type { AnyIterable } from '../internal/types.js';
import { checkFunction, fail, isIterable } from '../internal/validate.js';

type Reducer<T, A> = (acc: A, item: T, index: number) => A | Promise<A>;

async function reduceCore<T, A>(source: AnyIterable<T>, fn: Reducer<T, A>, seed: A): Promise<A> {
  let acc = seed;
  let index = 0;
  for await (const item of source) acc = await fn(acc, item, index++);
  return acc;
}

/**
 * Folds all items into one value with `fn(acc, item, index)` (sync or async), starting from `seed`.
 * Call it with the source (`reduce(src, fn, seed)`), or without to get a `run()` sink
 * (`run(src, reduce(fn, seed))`). Leaving early on an error returns the source (its `finally` runs).
 *
 * @example
 * ```ts
 * import { reduce, run } from 'genstream';
 * await reduce([1, 2, 3], (sum, n) => sum + n, 0); // 6
 * await run([1, 2, 3], reduce((sum: number, n: number) => sum + n, 0)); // 6
 * ```
 */
export function reduce<T, A>(source: AnyIterable<T>, fn: Reducer<T, A>, seed: A): Promise<A>;
export function reduce<T, A>(fn: Reducer<T, A>, seed: A): (source: AnyIterable<T>) => Promise<A>;
export function reduce<T, A>(
  a: AnyIterable<T> | Reducer<T, A>,
  b: Reducer<T, A> | A,
  c?: A,
): Promise<A> | ((source: AnyIterable<T>) => Promise<A>) {
  if (typeof a === 'function') {
    const fn = a as Reducer<T, A>;
    const seed = b as A;
    return (source) => {
      if (!isIterable(source)) fail('reduce sink', '`source` to be an iterable or async iterable', source);
      return reduceCore(source, fn, seed);
    };
  }
  if (!isIterable(a)) fail('reduce', '`source` to be an iterable or async iterable (or a reducer function)', a);
  checkFunction('reduce', 'fn', b);
  return reduceCore(a, b as Reducer<T, A>, c as A);
}
