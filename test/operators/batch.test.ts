import { describe, expect, it, vi } from 'vitest';
import { batch, chunk, flatMap, GenstreamArgumentError, pipe, take } from '../../lib/index.js';
import { deferred, TestError, tick, toArray, watchUnhandled } from '../helpers.js';
import { hasSettled, now, settleWithFakeTime, sleep, useFakeTime } from './fake-time.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

/** Yields 1, 2, then waits for `gate` before yielding 3, 4; counts its finally. */
function stallingSource(gate: Promise<void>) {
  const state = { finallies: 0, released: false };
  async function* source() {
    try {
      yield 1;
      yield 2;
      await gate;
      state.released = true;
      yield 3;
      yield 4;
    } finally {
      state.finallies++;
    }
  }
  return { state, source };
}

/**
 * Consumes `batches` slowly and records, at every item the source produces, how many produced items
 * the consumer has not received yet (what the stage holds, plus the item being made).
 */
async function peakHeld(makeBatches: (source: AsyncIterable<number>) => AsyncIterable<number[]>, total: number): Promise<number> {
  let produced = 0;
  let received = 0;
  let peak = 0;
  async function* source() {
    for (let i = 0; i < total; i++) {
      produced++;
      peak = Math.max(peak, produced - received);
      yield i;
    }
  }
  for await (const b of makeBatches(source())) {
    await tick();
    received += b.length;
  }
  expect(received).toBe(total);
  return peak;
}

describe('batch', () => {
  it('groups items into arrays of size, the last one shorter, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => batch(2), [1, 2, 3, 4, 5], [[1, 2], [3, 4], [5]]);
    await expectEverywhere(() => batch(3), [1, 2, 3], [[1, 2, 3]]);
  });

  it('emits each batch as a fresh array', async () => {
    const out = await toArray(batch(1)([1, 2]));
    expect(out).toEqual([[1], [2]]);
    expect(out[0]).not.toBe(out[1]);
  });

  it('gives nothing for an empty input (no empty batch), every way', async () => {
    await expectEverywhere(() => batch(3), [], []);
    await expectEverywhere(() => batch(3, { maxWaitMs: 1000 }), [], []);
  });

  it('emits one partial batch for a single item, every way', async () => {
    await expectEverywhere(() => batch(3), ['a'], [['a']]);
    await expectEverywhere(() => batch(3, { maxWaitMs: 1000 }), ['a'], [['a']]);
  });

  it('chunk is the same operator', () => {
    expect(chunk).toBe(batch);
  });

  it('holds at most size items: the source is not pulled while a batch waits for the consumer', async () => {
    expect(await peakHeld((s) => batch<number>(4)(s), 20)).toBeLessThanOrEqual(4);
    expect(await peakHeld((s) => batch<number>(4, { maxWaitMs: 1000 })(s), 20)).toBeLessThanOrEqual(4);
    expect(await peakHeld((s) => pipe(s, batch(3), flatMap((b) => [b]), take(100)), 20)).toBeLessThanOrEqual(3);
  });

  it('flushes the partial batch when a downstream take() stops', async () => {
    expect(await toArray(pipe([1, 2, 3, 4, 5], take(3), batch(2)))).toEqual([[1, 2], [3]]);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => batch(2));
    await expectEarlyExit(() => batch(2, { maxWaitMs: 1000 }));
  });

  it('rejects with the same error object the source throws (a held partial batch is dropped)', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => batch(2), () => new Counted(3, err).async(), err);
    await expectRejectsEverywhere(() => batch(2), () => new Counted(3, err).sync(), err);
    await expectRejectsEverywhere(() => batch(2, { maxWaitMs: 1000 }), () => new Counted(3, err).async(), err);
    await expectRejectsEverywhere(() => batch(2, { maxWaitMs: 1000 }), () => new Counted(3, err).sync(), err);
  });

  describe('with maxWaitMs (fake timers: exact times)', () => {
    useFakeTime();

    it('flushes a partial batch exactly maxWaitMs after its first item while the source stalls, before the source resumes', async () => {
      const gate = deferred();
      const { state, source } = stallingSource(gate.promise);
      const iter = batch<number>(5, { maxWaitMs: 40 })(source())[Symbol.asyncIterator]();
      const first = iter.next();
      await vi.advanceTimersByTimeAsync(39);
      expect(await hasSettled(first)).toBe(false); // not flushed at once, nor early
      await vi.advanceTimersByTimeAsync(1);
      expect(await hasSettled(first)).toBe(true);
      expect(await first).toEqual({ done: false, value: [1, 2] });
      expect(now()).toBe(40);
      expect(state.released).toBe(false);
      gate.resolve();
      expect(await settleWithFakeTime(iter.next())).toEqual({ done: false, value: [3, 4] });
      expect(await settleWithFakeTime(iter.next())).toEqual({ done: true, value: undefined });
      expect(state.finallies).toBe(1);
      expect(vi.getTimerCount()).toBe(0); // no timer left behind
    });

    it('starts each deadline at the first item of its batch', async () => {
      async function* source() {
        yield 1; // t = 0: deadline 10
        await sleep(25);
        yield 2; // t = 25: deadline 35 (not 30 + 10: the batch's first item counts)
        await sleep(5);
        yield 3;
        await sleep(100);
        yield 4; // t = 130: a fresh batch, flushed by the end of the source
      }
      const out: [number, number[]][] = [];
      await settleWithFakeTime(
        (async () => {
          for await (const b of batch<number>(3, { maxWaitMs: 10 })(source())) out.push([now(), b]);
        })(),
      );
      expect(out).toEqual([
        [10, [1]],
        [35, [2, 3]],
        [130, [4]],
      ]);
    });

    it('keeps the stalled next() across the flush: no item is lost or reordered', async () => {
      const gate = deferred();
      const { source } = stallingSource(gate.promise);
      const out: [number, number[]][] = [];
      const all = (async () => {
        for await (const b of batch<number>(3, { maxWaitMs: 10 })(source())) {
          out.push([now(), b]);
          if (out.length === 1) setTimeout(() => gate.resolve(), 30); // stall past another deadline
        }
      })();
      await settleWithFakeTime(all);
      expect(out).toEqual([
        [10, [1, 2]],
        [40, [3, 4]], // the source's end flushes the last batch: its own deadline (50) never fires
      ]);
    });

    it('returns the source (finally runs) when the consumer leaves after a timed flush', async () => {
      const gate = deferred();
      const { state, source } = stallingSource(gate.promise);
      const leave = (async () => {
        for await (const b of batch<number>(5, { maxWaitMs: 10 })(source())) {
          expect(b).toEqual([1, 2]);
          setTimeout(() => gate.resolve(), 5); // the pending next() must settle before return()
          break;
        }
      })();
      await settleWithFakeTime(leave);
      expect(now()).toBe(15); // left once the pending next() settled, not before
      expect(state.finallies).toBe(1);
    });

    it('rejects with the source error raised while a partial batch waits, without flushing it first', async () => {
      const err = new TestError('stalled then failed');
      async function* source() {
        yield 1;
        await sleep(5);
        throw err;
      }
      const out: number[][] = [];
      const all = (async () => {
        for await (const b of batch<number>(10, { maxWaitMs: 1000 })(source())) out.push(b);
      })();
      await expect(settleWithFakeTime(all)).rejects.toBe(err);
      expect(now()).toBe(5);
      expect(out).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('emits full batches immediately, without waiting for the timer', async () => {
      const out = toArray(batch(2, { maxWaitMs: 5000 })([1, 2, 3, 4]));
      expect(await hasSettled(out)).toBe(true); // with no fake time passing at all
      expect(await out).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('checks its arguments when called', () => {
    expect(() => batch(0)).toThrow(GenstreamArgumentError);
    expect(() => batch(0)).toThrow('batch: expected `size` to be a positive integer, got `0` (number)');
    expect(() => batch(2.5)).toThrow('got `2.5` (number)');
    expect(() => batch('3' as never)).toThrow('got `"3"` (string)');
    expect(() => batch(2, null as never)).toThrow('batch: expected `options` to be an object, got `null`');
    expect(() => batch(2, { maxWaitMs: 0 })).toThrow('batch: expected `options.maxWaitMs` to be a positive finite number, got `0` (number)');
    expect(() => batch(2, { maxWaitMs: Infinity })).toThrow('got `Infinity` (number)');
    expect(() => batch(2, { maxWaitMs: '10' as never })).toThrow('got `"10"` (string)');
  });
});
