import { describe, expect, it } from 'vitest';
import { flatMap, GenstreamArgumentError, map, pipe, take } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

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

  it('checks its arguments when called', () => {
    expect(() => flatMap([] as never)).toThrow(GenstreamArgumentError);
    expect(() => flatMap([] as never)).toThrow('flatMap: expected `fn` to be a function, got an array (length 0)');
    expect(() => flatMap((x) => [x], 3 as never)).toThrow('flatMap: expected `options` to be an object, got `3` (number)');
    expect(() => flatMap((x) => [x], { concurrency: -1 })).toThrow(/flatMap: expected `options\.concurrency`.*got `-1` \(number\)/);
  });
});
