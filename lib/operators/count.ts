import type { AnyIterable } from '../internal/types.js';
import { fail, isIterable } from '../internal/validate.js';

/**
 * Counts the items of a source (consuming it). Also a `run()` sink.
 *
 * @example
 * ```ts
 * import { count, filter, run } from 'genstream';
 * await run([1, 2, 3], filter((n: number) => n > 1), count); // 2
 * ```
 */
export async function count(source: AnyIterable<unknown>): Promise<number> {
  if (!isIterable(source)) fail('count', '`source` to be an iterable or async iterable', source);
  let n = 0;
  for await (const _ of source) n++;
  return n;
}
