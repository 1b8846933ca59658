import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { batch, chain, flatMap, GenstreamArgumentError, map, pipe, take } from '../../lib/index.js';
import { OUTPUT_LIMIT } from '../../lib/internal/kernel.js';
import { collect, take as takeGen, TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere, guard } from './harness.js';

watchUnhandled();

describe('flatMap', () => {
  it('spreads returned arrays in order, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => flatMap((n: number) => [n, n * 10]), [1, 2], [1, 10, 2, 20]);
  });

  it('spreads sync iterables and async iterables, and keeps a string or a plain value as one item', async () => {
    function* twice(n: number) {
      yield n;
      yield n;
    }
    await expectEverywhere(() => flatMap((n: number) => twice(n)), [1, 2], [1, 1, 2, 2]);
    await expectEverywhere(() => flatMap((n: number) => asyncOf([n, -n])), [1, 2], [1, -1, 2, -2]);
    await expectEverywhere(() => flatMap((s: string) => s.toUpperCase()), ['ab', 'c'], ['AB', 'C']);
    await expectEverywhere(() => flatMap((n: number) => ({ n })), [1], [{ n: 1 }]);
    await expectEverywhere(() => flatMap((n: number) => new Set([n, n + 1])), [5], [5, 6]);
  });

  it('drops items for which fn returns an empty array', async () => {
    await expectEverywhere(() => flatMap((n: number) => (n % 2 ? [] : [n])), [1, 2, 3, 4], [2, 4]);
  });

  it('awaits an async fn, in order', async () => {
    await expectEverywhere(() => flatMap(async (n: number) => [n, n]), [1, 2], [1, 1, 2, 2]);
    await expectEverywhere(() => flatMap(async (n: number) => asyncOf([n])), [3, 4], [3, 4]);
  });

  it('passes the 0-based index', async () => {
    expect(await toArray(flatMap((s: string, i: number) => [i, s])(['a', 'b']))).toEqual([0, 'a', 1, 'b']);
  });

  it('gives nothing for an empty input, every way', async () => {
    await expectEverywhere(() => flatMap((n: number) => [n, n]), [], []);
  });

  it('spreads a single item, every way', async () => {
    await expectEverywhere(() => flatMap((n: number) => [n, n + 1, n + 2]), [1], [1, 2, 3]);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => flatMap((n: number) => [n, n]));
    await expectEarlyExit(() => flatMap(async (n: number) => asyncOf([n])));
  });

  it('stops spreading an endless inner iterable when a downstream take() is done, and returns it', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const inner = new Counted();
      const outer = new Counted();
      expect(await toArray(pipe(outer.async(), flatMap(() => inner[kind]()), take(3)))).toEqual([0, 1, 2]);
      expect(inner.produced, kind).toBe(3);
      expect(inner.finallies, kind).toBe(1);
      expect(outer.finallies, kind).toBe(1);
    }
  });

  it('spreads the whole result of an item that an upstream take() let through', async () => {
    expect(await toArray(pipe([5, 9], take(1), flatMap((n: number) => [n, n + 1])))).toEqual([5, 6]);
    expect(await toArray(pipe([5, 9], take(1), map(async (n: number) => n), flatMap((n: number) => [n, n + 1])))).toEqual([5, 6]);
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => flatMap((n: number) => [n]), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => flatMap((n: number) => [n]), () => new Counted(2, err).sync(), err);
  });

  it('rejects with the same error object fn throws, or an inner iterable throws', async () => {
    const err = new TestError('fn failed');
    await expectRejectsEverywhere(
      () =>
        flatMap(() => {
          throw err;
        }),
      () => [1],
      err,
    );
    await expectRejectsEverywhere(() => flatMap(async () => Promise.reject(err)), () => [1], err);
    await expectRejectsEverywhere(() => flatMap(() => new Counted(2, err).sync()), () => [1], err);
    await expectRejectsEverywhere(() => flatMap(() => new Counted(2, err).async()), () => [1], err);
    const src = new Counted();
    await expect(toArray(flatMap(() => new Counted(1, err).sync())(src.async()))).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('returns an inner iterable (its finally runs) when a later stage fails while it is spread', async () => {
    const err = new TestError('downstream failed');
    for (const kind of ['sync', 'async'] as const) {
      const inner = new Counted();
      const failAt2 = map((n: number) => {
        if (n === 2) throw err;
        return n;
      });
      await expect(toArray(pipe([1], flatMap(() => inner[kind]()), failAt2)), kind).rejects.toBe(err);
      expect(inner.finallies, kind).toBe(1);
    }
  });

  describe('an endless inner iterable (lazy spreading)', () => {
    /**
     * "Endless" for the test: a spread that is not lazy reads all of it and fails with `runaway`
     * instead of hanging (or running out of memory).
     */
    const RUNAWAY = 200_000;
    const runaway = new TestError('the inner iterable was read far ahead of the consumer');
    const endless = (): Counted => new Counted(RUNAWAY, runaway);
    /** Items made ahead of the consumer at most, fused: the terminal's limit, plus the one in hand. */
    const AHEAD = OUTPUT_LIMIT + 1;

    /** An endless sync iterator (not a generator) that counts its `return()` calls (runaway-guarded too). */
    function spy() {
      const calls = { next: 0, returns: 0 };
      const iterator: IterableIterator<number> = {
        next: () => {
          if (calls.next === RUNAWAY) throw runaway;
          return { done: false, value: calls.next++ };
        },
        return: () => {
          calls.returns++;
          return { done: true, value: undefined };
        },
        [Symbol.iterator]: () => iterator,
      };
      return { calls, iterator };
    }

    it('yields 0..4 through pipe([1], flatMap(endless), take(5)) and returns the inner iterator', async () => {
      const inner = endless();
      expect(await toArray(pipe([1], flatMap(() => inner.sync()), take(5)))).toEqual([0, 1, 2, 3, 4]);
      expect(inner.produced).toBe(5);
      expect(inner.finallies).toBe(1);
      const longer = endless();
      const n = 2 * OUTPUT_LIMIT + 3; // the take() is reached after the spread went lazy twice
      const out = await toArray(pipe([1], flatMap(() => longer.sync()), map((x: number) => x), take(n)));
      expect(out).toHaveLength(n);
      expect(out[n - 1]).toBe(n - 1);
      expect(longer.finallies).toBe(1);
    });

    it('spreads lazily what a flush emits: a partial batch at the end, or after a take() stopped the source', async () => {
      const n = 3 * OUTPUT_LIMIT;
      const all = Array.from({ length: n }, (_, i) => i);
      // batch() holds every item until its flush, which then spreads into 3 * OUTPUT_LIMIT items.
      const ended = new Counted(n);
      expect(await toArray(pipe(ended.async(), batch(n + 1), flatMap((b: number[]) => b)))).toEqual(all);
      expect(ended.finallies).toBe(1);
      const stopped = new Counted();
      expect(await toArray(pipe(stopped.async(), take(n), batch(n + 1), flatMap((b: number[]) => b)))).toEqual(all);
      expect(stopped.finallies).toBe(1);
      const left = new Counted();
      const it = pipe(left.async(), take(n), batch(n + 1), flatMap((b: number[]) => b));
      expect((await it.next()).value).toBe(0);
      await it.return();
      expect(left.finallies).toBe(1);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    });

    it('spreads it lazily under a for await that breaks, and runs its finally once', async () => {
      for (const kind of ['sync', 'async'] as const) {
        const inner = endless();
        const outer = new Counted();
        const got: number[] = [];
        for await (const n of flatMap(() => inner[kind]())(outer.sync())) {
          got.push(n);
          if (got.length === 5) break;
        }
        expect(got, kind).toEqual([0, 1, 2, 3, 4]);
        expect(inner.produced, kind).toBeLessThanOrEqual(AHEAD);
        expect(inner.finallies, kind).toBe(1);
        expect(outer.produced, kind).toBe(1);
        expect(outer.finallies, kind).toBe(1);
      }
    });

    it('spreads it lazily when fn is async, and when a non-fused stage after it stops early', async () => {
      const inner = endless();
      expect(await guard(toArray(pipe([1, 2], flatMap(async () => inner.sync()), takeGen(5))))).toEqual([0, 1, 2, 3, 4]);
      expect(inner.produced).toBeLessThanOrEqual(AHEAD);
      expect(inner.finallies).toBe(1);
      const viaMap = endless();
      const out = pipe([1], map(async (n: number) => n), flatMap(() => viaMap.sync()), takeGen(3));
      expect(await guard(toArray(out))).toEqual([0, 1, 2]);
      expect(viaMap.produced).toBeLessThanOrEqual(AHEAD);
      expect(viaMap.finallies).toBe(1);
    });

    it('keeps at most OUTPUT_LIMIT items ahead of a consumer that takes them one by one', async () => {
      const inner = endless();
      const it = flatMap(() => inner.sync())([1]);
      let taken = 0;
      let peak = 0;
      for (; taken < 3 * OUTPUT_LIMIT + 7; taken++) {
        expect((await it.next()).value).toBe(taken);
        peak = Math.max(peak, inner.produced - (taken + 1));
      }
      expect(peak).toBeLessThanOrEqual(OUTPUT_LIMIT);
      await it.return();
      expect(inner.finallies).toBe(1);
    });

    it('calls the inner iterator’s return() exactly once on an early return(), also when it was left mid-way', async () => {
      for (const at of [3, OUTPUT_LIMIT + 10]) {
        const { calls, iterator } = spy();
        const it = flatMap(() => iterator)([1]);
        for (let i = 0; i < at; i++) expect((await it.next()).value).toBe(i);
        expect(await it.return()).toEqual({ done: true, value: undefined });
        expect(calls.returns, `after ${at} items`).toBe(1);
        expect(calls.next, `after ${at} items`).toBeLessThanOrEqual(at + OUTPUT_LIMIT);
        expect(await it.next()).toEqual({ done: true, value: undefined });
        expect(calls.returns).toBe(1);
      }
    });

    it('rejects with the same error an inner iterator throws mid-way, after the items before it, and returns the source', async () => {
      const err = new TestError('inner failed at 3000');
      const outer = new Counted();
      const got: number[] = [];
      const caught = await (async () => {
        try {
          for await (const n of flatMap(() => new Counted(3000, err).sync())(outer.async())) got.push(n);
        } catch (e) {
          return e;
        }
      })();
      expect(caught).toBe(err);
      expect(got).toHaveLength(3000);
      expect(got[2999]).toBe(2999);
      expect(outer.finallies).toBe(1);
    });

    it('returns the inner iterator once when a later stage throws after the spread went lazy', async () => {
      const err = new TestError('downstream failed');
      const inner = endless();
      const failAt = map((n: number) => {
        if (n === OUTPUT_LIMIT + 500) throw err;
        return n;
      });
      await expect(toArray(pipe([1], flatMap(() => inner.sync()), failAt, takeGen(RUNAWAY)))).rejects.toBe(err);
      expect(inner.finallies).toBe(1);
      expect(inner.produced).toBe(OUTPUT_LIMIT + 501);
    });

    it('spreads it lazily as a stream.pipeline stage and inside chain(), and returns it when the consumer stops', async () => {
      const inPipeline = endless();
      const out: number[] = [];
      // (Cast: Node's pipeline() overloads do not type a generator function between two stages.)
      await (pipeline as unknown as (...streams: unknown[]) => Promise<void>)(Readable.from([1]), flatMap(() => inPipeline.sync()), takeGen(5), collect(out));
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(inPipeline.finallies).toBe(1);
      expect(inPipeline.produced).toBeLessThanOrEqual(AHEAD);

      const inChain = endless();
      const readable = Readable.from([1]).pipe(chain(flatMap(() => inChain.sync())));
      const got: number[] = [];
      for await (const n of readable) {
        got.push(n as number);
        if (got.length === 5) break;
      }
      expect(got).toEqual([0, 1, 2, 3, 4]);
      expect(inChain.finallies).toBe(1);
      // The chain's readable buffer (16 items) plus the limit of items pushed past it.
      expect(inChain.produced).toBeLessThanOrEqual(16 + AHEAD);
    });
  });

  it('checks its arguments when called', () => {
    expect(() => flatMap([] as never)).toThrow(GenstreamArgumentError);
    expect(() => flatMap([] as never)).toThrow('flatMap: expected `fn` to be a function, got an array (length 0)');
    expect(() => flatMap((x) => [x], 3 as never)).toThrow('flatMap: expected `options` to be an object, got `3` (number)');
    expect(() => flatMap((x) => [x], { concurrency: -1 })).toThrow(/flatMap: expected `options\.concurrency`.*got `-1` \(number\)/);
  });
});
