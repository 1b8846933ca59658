import { isThenable } from '../internal/kernel.js';
import { generatorOperator, type Operator } from '../internal/operator.js';
import type { AnyIterable } from '../internal/types.js';
import { checkFunction } from '../internal/validate.js';

type KeyFn = (item: unknown, index: number) => unknown;

async function* groupByCore(keyFn: KeyFn, source: AnyIterable<unknown>): AsyncGenerator<[unknown, unknown[]], void, undefined> {
  let group: unknown[] | null = null;
  let key: unknown;
  let index = 0;
  for await (const item of source) {
    let k = keyFn(item, index++);
    if (isThenable(k)) k = await k;
    // SameValueZero, like Map keys: NaN groups with NaN.
    if (group !== null && (k === key || (k !== k && key !== key))) {
      group.push(item);
      continue;
    }
    const done = group;
    const doneKey = key;
    group = [item];
    key = k;
    if (done !== null) yield [doneKey, done];
  }
  if (group !== null) yield [key, group];
}

/**
 * Groups consecutive items with the same key, like Python's `itertools.groupby`: yields
 * `[key, items]` for each run of items for which `keyFn(item, index)` returns the same key
 * (SameValueZero, as in a `Map`). Meant for input sorted (or clustered) by the key: a key that comes
 * back later starts a new group. `keyFn` may be async.
 *
 * - Backpressure: holds one group (the current run) in memory; it is emitted when the next key starts
 *   or the input ends.
 * - Errors: an error thrown by `keyFn` or by the source passes through as the same object; the current
 *   group is not emitted.
 * - Cleanup: an early exit or an error from `keyFn` returns the source, so its `finally` runs.
 *
 * @example
 * ```ts
 * import { groupBy, toArray } from 'genstream';
 * const rows = [{ day: 'mon', n: 1 }, { day: 'mon', n: 2 }, { day: 'tue', n: 3 }];
 * await toArray(groupBy((r: { day: string }) => r.day)(rows));
 * // [['mon', [{ day: 'mon', n: 1 }, { day: 'mon', n: 2 }]], ['tue', [{ day: 'tue', n: 3 }]]]
 * ```
 */
export function groupBy<T, K>(keyFn: (item: T, index: number) => K): Operator<T, [Awaited<K>, T[]]> {
  checkFunction('groupBy', 'keyFn', keyFn);
  return generatorOperator('groupBy', (source) => groupByCore(keyFn as KeyFn, source) as AsyncGenerator<[Awaited<K>, T[]], void, undefined>);
}
