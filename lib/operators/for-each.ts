import type { AnyIterable } from '../internal/types.js';
import { checkFunction, fail, isIterable } from '../internal/validate.js';

/**
 * The function of {@link forEach}: called with each item and its 0-based index; a returned promise is
 * awaited before the next item, any other result is ignored.
 */
export type Visitor<T> = (item: T, index: number) => unknown;

async function forEachCore<T>(source: AnyIterable<T>, fn: Visitor<T>): Promise<void> {
  let index = 0;
  for await (const item of source) await fn(item, index++);
}

/**
 * Calls `fn(item, index)` for every item, awaiting an async `fn` before the next item; resolves when
 * the source ends. Call it with the source, or without to get a `run()` sink. An error from `fn`
 * returns the source (its `finally` runs) and rejects with the same error.
 *
 * @example
 * ```ts
 * import { forEach, run, map } from 'genstream';
 * await forEach([1, 2], (n) => console.log(n));
 * await run([1, 2], map((n: number) => n * 2), forEach((n: number) => console.log(n)));
 * ```
 */
export function forEach<T>(source: AnyIterable<T>, fn: Visitor<T>): Promise<void>;
export function forEach<T>(fn: Visitor<T>): (source: AnyIterable<T>) => Promise<void>;
export function forEach<T>(
  a: AnyIterable<T> | Visitor<T>,
  b?: Visitor<T>,
): Promise<void> | ((source: AnyIterable<T>) => Promise<void>) {
  if (typeof a === 'function') {
    const fn = a as Visitor<T>;
    // An async function, so chain() knows it for a sink when it comes last.
    return async (source) => {
      if (!isIterable(source)) fail('forEach sink', '`source` to be an iterable or async iterable', source);
      return forEachCore(source, fn);
    };
  }
  if (!isIterable(a)) fail('forEach', '`source` to be an iterable or async iterable (or a function)', a);
  checkFunction('forEach', 'fn', b);
  return forEachCore(a, b as Visitor<T>);
}
