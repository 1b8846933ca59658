import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, map, pipe, throttle } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

/** The consumer's receive time of each item of `source` (ms, performance.now()). */
async function emissionTimes(source: AsyncIterable<unknown>): Promise<number[]> {
  const times: number[] = [];
  for await (const _ of source) times.push(performance.now());
  return times;
}

/** Slack for the consumer receiving an item a moment after the operator released it. */
const TOLERANCE_MS = 1;

describe('throttle', () => {
  it('passes every item in order, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => throttle(100, 1000), [1, 2, 3], [1, 2, 3]);
  });

  it('lets at most `limit` items through in any window of `intervalMs` (sliding window)', async () => {
    for (const [limit, intervalMs] of [
      [1, 15],
      [2, 30],
      [3, 20],
    ] as const) {
      const started = performance.now();
      const times = await emissionTimes(throttle(limit, intervalMs)(new Counted(2 * limit + 1).sync()));
      expect(times).toHaveLength(2 * limit + 1);
      for (let k = limit; k < times.length; k++) {
        expect(times[k] - times[k - limit], `limit ${limit}, item ${k}`).toBeGreaterThanOrEqual(intervalMs - TOLERANCE_MS);
      }
      // The last item is the first of the third window.
      expect(times[2 * limit] - started).toBeGreaterThanOrEqual(2 * intervalMs - TOLERANCE_MS);
    }
  });

  it('does not delay items that fit in the window', async () => {
    const times = await emissionTimes(throttle(3, 10_000)([1, 2, 3]));
    expect(times[2] - times[0]).toBeLessThan(5_000); // hang guard: no 10 s window was waited for
  });

  it('does not pull the source while an item waits for its slot (backpressure)', async () => {
    const src = new Counted(6);
    let received = 0;
    let peak = 0;
    for await (const _ of throttle(2, 10)(src.async())) {
      received++;
      peak = Math.max(peak, src.produced - received);
    }
    expect(received).toBe(6);
    expect(peak).toBe(0); // each item is pulled only when the consumer asks for the next one
  });

  it('gives nothing for an empty input, every way', async () => {
    await expectEverywhere(() => throttle(1, 1000), [], []);
  });

  it('passes a single item without waiting, every way', async () => {
    await expectEverywhere(() => throttle(1, 60_000), ['x'], ['x']);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => throttle(100, 1000));
    const src = new Counted();
    let n = 0;
    for await (const _ of throttle(1, 5)(src.async())) if (++n === 3) break;
    expect(src.finallies).toBe(1);
    expect(src.produced).toBe(3);
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => throttle(5, 1000), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => throttle(5, 1000), () => new Counted(2, err).sync(), err);
  });

  it('passes an error from a later stage through as the same object', async () => {
    const err = new TestError('later stage failed');
    const failing = map(() => {
      throw err;
    });
    await expect(toArray(pipe([1, 2], throttle(5, 1000), failing))).rejects.toBe(err);
  });

  it('checks its arguments when called', () => {
    expect(() => throttle(0, 10)).toThrow(GenstreamArgumentError);
    expect(() => throttle(0, 10)).toThrow('throttle: expected `limit` to be a positive integer, got `0` (number)');
    expect(() => throttle(1.5, 10)).toThrow('got `1.5` (number)');
    expect(() => throttle(1, 0)).toThrow('throttle: expected `intervalMs` to be a positive finite number, got `0` (number)');
    expect(() => throttle(1, Infinity)).toThrow('got `Infinity` (number)');
    expect(() => throttle(1, '10' as never)).toThrow('got `"10"` (string)');
  });
});
