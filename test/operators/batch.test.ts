import { describe, expect, it } from 'vitest';
import { batch, chunk, flatMap, GenstreamArgumentError, pipe, take } from '../../lib/index.js';
import { deferred, TestError, tick, toArray, watchUnhandled } from '../helpers.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere, guard } from './harness.js';

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

  describe('with maxWaitMs', () => {
    it('flushes a partial batch after maxWaitMs while the source stalls, before the source resumes', async () => {
      const gate = deferred();
      const { state, source } = stallingSource(gate.promise);
      const it = batch<number>(5, { maxWaitMs: 40 })(source())[Symbol.asyncIterator]();
      const started = performance.now();
      const first = await guard(it.next());
      expect(first).toEqual({ done: false, value: [1, 2] });
      expect(state.released).toBe(false);
      // It waited for the timer (not flushed at once); Node timers may fire a few ms early, hence /2.
      expect(performance.now() - started).toBeGreaterThanOrEqual(20);
      gate.resolve();
      expect(await guard(it.next())).toEqual({ done: false, value: [3, 4] });
      expect(await guard(it.next())).toEqual({ done: true, value: undefined });
      expect(state.finallies).toBe(1);
    });

    it('keeps the stalled next() across the flush: no item is lost or reordered', async () => {
      const gate = deferred();
      const { source } = stallingSource(gate.promise);
      const out: number[][] = [];
      const all = (async () => {
        for await (const b of batch<number>(3, { maxWaitMs: 10 })(source())) {
          out.push(b);
          if (out.length === 1) setTimeout(() => gate.resolve(), 30); // stall past another deadline
        }
      })();
      await guard(all);
      expect(out).toEqual([[1, 2], [3, 4]]);
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
      await guard(leave);
      expect(state.finallies).toBe(1);
    });

    it('rejects with the source error raised while a partial batch waits', async () => {
      const err = new TestError('stalled then failed');
      async function* source() {
        yield 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw err;
      }
      await expect(guard(toArray(batch(10, { maxWaitMs: 1000 })(source())))).rejects.toBe(err);
    });

    it('emits full batches immediately, without waiting for the timer', async () => {
      const started = performance.now();
      expect(await toArray(batch(2, { maxWaitMs: 5000 })([1, 2, 3, 4]))).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(performance.now() - started).toBeLessThan(4000); // hang guard: the 5 s timer never fired
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
