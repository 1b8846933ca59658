import { generatorOperator, type Operator } from '../internal/operator.js';
import type { AnyIterable } from '../internal/types.js';
import { checkPositiveInt, fail } from '../internal/validate.js';

async function* throttleCore<T>(limit: number, intervalMs: number, source: AnyIterable<T>): AsyncGenerator<T, void, undefined> {
  // Sliding window of the last `limit` emission times: item k waits until item k-limit is intervalMs old.
  const times: number[] = new Array<number>(limit).fill(-Infinity);
  let slot = 0;
  for await (const item of source) {
    // Loop: a timer may fire a little early (libuv's clock is cached per loop turn, delays are whole ms).
    for (let wait = times[slot] + intervalMs - performance.now(); wait > 0; wait = times[slot] + intervalMs - performance.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
    times[slot] = performance.now();
    slot = (slot + 1) % limit;
    yield item;
  }
}

/**
 * Rate limit: at most `limit` items per `intervalMs` (a sliding window), e.g. `throttle(10, 1000)` for
 * ten API calls a second. Waiting is backpressure: the source is not pulled while an item waits.
 * Not fusable (it waits on timers).
 *
 * @example
 * ```ts
 * import { pipe, throttle } from 'genstream';
 *
 * const started = Date.now();
 * for await (const id of pipe([1, 2, 3, 4], throttle(2, 100))) console.log(id, Date.now() - started);
 * // 1 and 2 at once, 3 and 4 about 100 ms later
 * ```
 */
export function throttle<T>(limit: number, intervalMs: number): Operator<T, T> {
  checkPositiveInt('throttle', 'limit', limit);
  if (typeof intervalMs !== 'number' || !(intervalMs > 0) || intervalMs === Infinity) {
    fail('throttle', '`intervalMs` to be a positive finite number', intervalMs);
  }
  return generatorOperator('throttle', (source: AnyIterable<T>) => throttleCore(limit, intervalMs, source));
}
