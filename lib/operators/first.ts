import type { AnyIterable } from '../internal/types.js';
import { fail, isIterable } from '../internal/validate.js';

/**
 * The first item of a source, or `undefined` if it is empty. Stops right after it: the source is
 * returned (its `finally` runs). Also a `run()` sink.
 *
 * @example
 * ```ts
 * import { first } from 'genstream';
 * async function* naturals() { for (let i = 1; ; i++) yield i; }
 * await first(naturals()); // 1
 * ```
 */
export async function first<T>(source: AnyIterable<T>): Promise<T | undefined> {
  if (!isIterable(source)) fail('first', '`source` to be an iterable or async iterable', source);
  for await (const item of source) return item;
  return undefined;
}
