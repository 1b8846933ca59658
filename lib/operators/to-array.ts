import type { AnyIterable } from '../internal/types.js';
import { fail, isIterable } from '../internal/validate.js';

/**
 * Collects every item into an array. Memory grows with the input: for plain code and tests, not for
 * unbounded streams. Also a `run()` sink: `await run(src, map(f), toArray)`.
 *
 * @example
 * ```ts
 * import { map, toArray } from 'genstream';
 * await toArray(map((n: number) => n + 1)([1, 2])); // [2, 3]
 * ```
 */
export async function toArray<T>(source: AnyIterable<T>): Promise<T[]> {
  if (!isIterable(source)) fail('toArray', '`source` to be an iterable or async iterable', source);
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/**
 * Alias of {@link toArray}.
 *
 * @example
 * ```ts
 * import { collect, filter, run } from 'genstream';
 * await run([1, 2, 3], filter((n: number) => n !== 2), collect); // [1, 3]
 * ```
 */
export const collect: typeof toArray = toArray;
