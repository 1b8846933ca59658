import { describe, expect, it, vi } from 'vitest';
import { GenstreamArgumentError, map, pipe, throttle } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { hasSettled, now, settleWithFakeTime, sleep, useFakeTime } from './fake-time.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

/** The consumer's receive time of each item of `source` (fake ms), driving fake time until the end. */
async function emissionTimes(source: AsyncIterable<unknown>): Promise<number[]> {
  const times: number[] = [];
  await settleWithFakeTime(
    (async () => {
      for await (const _ of source) times.push(now());
    })(),
  );
  return times;
}

/** A source that sleeps `delays[k]` fake ms before yielding item k. */
async function* delayed(delays: readonly number[]): AsyncGenerator<number, void, undefined> {
  for (let k = 0; k < delays.length; k++) {
    if (delays[k] > 0) await sleep(delays[k]);
    yield k;
  }
}

/**
 * The sliding-window reference: item k is released when it has arrived (the consumer asks as soon as
 * it got item k-1, then the source takes `delays[k]`) and item k-limit was released intervalMs ago.
 */
function expectedTimes(limit: number, intervalMs: number, delays: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < delays.length; k++) {
    const arrived = (k === 0 ? 0 : out[k - 1]) + delays[k];
    out.push(k < limit ? arrived : Math.max(arrived, out[k - limit] + intervalMs));
  }
  return out;
}

describe('throttle', () => {
  it('passes every item in order, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => throttle(100, 1000), [1, 2, 3], [1, 2, 3]);
  });

  describe('timing (fake timers: exact times)', () => {
    useFakeTime();

    it('lets at most `limit` items through in any window of `intervalMs`, releasing each as soon as its slot frees', async () => {
      for (const [limit, intervalMs] of [
        [1, 15],
        [2, 30],
        [3, 20],
      ] as const) {
        const started = now();
        const times = (await emissionTimes(throttle(limit, intervalMs)(new Counted(3 * limit + 1).sync()))).map((t) => t - started);
        // An instant source: `limit` items at the start of each window, the last one opening the fourth.
        expect(times, `limit ${limit}, intervalMs ${intervalMs}`).toEqual(Array.from({ length: 3 * limit + 1 }, (_, k) => Math.floor(k / limit) * intervalMs));
      }
    });

    it('is a sliding window: a slow source uses up its waiting time, a burst after a gap waits for the oldest item', async () => {
      const cases: [number, number, number[]][] = [
        [2, 100, [0, 0, 60, 0, 0, 250, 0, 0]],
        [1, 50, [0, 20, 80, 0, 10]],
        [3, 30, [5, 0, 0, 0, 40, 0, 0, 0, 0]],
      ];
      for (const [limit, intervalMs, delays] of cases) {
        const started = now();
        const times = (await emissionTimes(throttle(limit, intervalMs)(delayed(delays)))).map((t) => t - started);
        expect(times, `limit ${limit}, intervalMs ${intervalMs}, delays ${delays.join(',')}`).toEqual(expectedTimes(limit, intervalMs, delays));
      }
    });

    it('does not wait when the consumer is slower than the rate', async () => {
      const times: number[] = [];
      const consume = (async () => {
        for await (const _ of throttle(1, 10)([1, 2, 3, 4])) {
          times.push(now());
          await sleep(25); // the consumer's own work: longer than the interval
        }
      })();
      await settleWithFakeTime(consume);
      expect(times).toEqual([0, 25, 50, 75]);
    });

    it('does not delay items that fit in the window (and sets no timer)', async () => {
      const iter = throttle(3, 10_000)([1, 2, 3])[Symbol.asyncIterator]();
      const all = (async () => [await iter.next(), await iter.next(), await iter.next(), await iter.next()])();
      expect(await hasSettled(all)).toBe(true); // without any fake time passing
      expect((await all).map((r) => r.value)).toEqual([1, 2, 3, undefined]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('does not pull the source while an item waits for its slot (backpressure)', async () => {
      const src = new Counted(6);
      const iter = throttle(2, 10)(src.async())[Symbol.asyncIterator]();
      expect((await iter.next()).value).toBe(0);
      expect((await iter.next()).value).toBe(1);
      const third = iter.next();
      expect(await hasSettled(third)).toBe(false); // item 2 waits for its slot at 10 ms...
      expect(src.produced).toBe(3); // ...and nothing after it was pulled
      await vi.advanceTimersByTimeAsync(9);
      expect(await hasSettled(third)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await third).toEqual({ done: false, value: 2 });
      expect(now()).toBe(10);
      expect(src.produced).toBe(3);
      await iter.return(undefined);
      expect(src.finallies).toBe(1);
    });

    it('passes a single item without waiting, and sets no timer', async () => {
      const out = toArray(throttle(1, 60_000)(['x']));
      expect(await hasSettled(out)).toBe(true);
      expect(await out).toEqual(['x']);
      expect(vi.getTimerCount()).toBe(0);
    });
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
