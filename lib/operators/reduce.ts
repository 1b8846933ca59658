import { EmptySourceError } from '../internal/errors.js';
import type { AnyIterable } from '../internal/types.js';
import { checkFunction, fail, isIterable } from '../internal/validate.js';

/**
 * The function of {@link reduce}: the next accumulator from the current one, the item and its 0-based
 * index (sync or async).
 */
export type Reducer<T, A> = (acc: A, item: T, index: number) => A | Promise<A>;

async function reduceCore<T, A>(source: AnyIterable<T>, fn: Reducer<T, A>, seed: A): Promise<A> {
  let acc = seed;
  let index = 0;
  for await (const item of source) acc = await fn(acc, item, index++);
  return acc;
}

/**
 * No seed: the first item is the accumulator and `fn` starts at the second one (index 1), like
 * `Array.prototype.reduce`. An empty source rejects with an EmptySourceError.
 */
async function reduceUnseeded<T>(source: AnyIterable<T>, fn: Reducer<T, T>): Promise<T> {
  let acc: T | undefined;
  let index = 0;
  for await (const item of source) {
    acc = index === 0 ? item : await fn(acc as T, item, index);
    index++;
  }
  if (index === 0) {
    throw new EmptySourceError('reduce: the source was empty and no seed was given; pass a seed: reduce(fn, seed)');
  }
  return acc as T;
}

/**
 * Folds all items into one value with `fn(acc, item, index)` (sync or async), starting from `seed`.
 * Without a seed the first item is the start value and `fn` is first called with the second item
 * (index 1), like `Array.prototype.reduce`; an empty source then rejects with an `EmptySourceError`
 * (code `ERR_GENSTREAM_EMPTY_SOURCE`). A seed given as `undefined` is still a seed.
 * Call it with the source (`reduce(src, fn, seed)`), or without to get a `run()` sink
 * (`run(src, reduce(fn, seed))`). Leaving early on an error returns the source (its `finally` runs).
 *
 * @example
 * ```ts
 * import { reduce, run } from 'genstream';
 * await reduce([1, 2, 3], (sum, n) => sum + n, 0); // 6
 * await reduce([1, 2, 3], (a, b) => Math.max(a, b)); // 3 (no seed: starts from the first item)
 * await run([1, 2, 3], reduce((sum: number, n: number) => sum + n, 0)); // 6
 * await run([1, 2, 3], reduce((a, b) => a * b)); // 6
 * ```
 */
export function reduce<T, A>(source: AnyIterable<T>, fn: Reducer<T, A>, seed: A): Promise<A>;
export function reduce<T>(source: AnyIterable<T>, fn: Reducer<T, T>): Promise<T>;
export function reduce<T, A>(fn: Reducer<T, A>, seed: A): (source: AnyIterable<T>) => Promise<A>;
export function reduce<T>(fn: Reducer<T, T>): (source: AnyIterable<T>) => Promise<T>;
export function reduce<T, A>(
  a: AnyIterable<T> | Reducer<T, A>,
  b?: Reducer<T, A> | A,
  c?: A,
): Promise<A> | Promise<T> | ((source: AnyIterable<T>) => Promise<A | T>) {
  // "No seed" is told by the argument count, not by `undefined`: reduce(fn, undefined) has a seed.
  if (typeof a === 'function') {
    const fn = a as Reducer<T, A>;
    const seeded = arguments.length >= 2;
    const seed = b as A;
    // An async function, so chain() knows it for a sink when it comes last.
    return async (source) => {
      if (!isIterable(source)) fail('reduce sink', '`source` to be an iterable or async iterable', source);
      return seeded ? reduceCore(source, fn, seed) : reduceUnseeded(source, fn as unknown as Reducer<T, T>);
    };
  }
  if (!isIterable(a)) fail('reduce', '`source` to be an iterable or async iterable (or a reducer function)', a);
  checkFunction('reduce', 'fn', b);
  if (arguments.length >= 3) return reduceCore(a, b as Reducer<T, A>, c as A);
  return reduceUnseeded(a, b as Reducer<T, T>);
}
