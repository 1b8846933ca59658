import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { chain, failedStage, filter, GenstreamArgumentError, map, pipe, toReadable } from '../../lib/index.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('map', () => {
  it('transforms each item, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => map((n: number) => n * 10), [1, 2, 3], [10, 20, 30]);
  });

  it('awaits an async fn and keeps input order even when earlier items resolve later', async () => {
    const slowFirst = map(async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 15 : 0));
      return n * 10;
    });
    expect(await toArray(slowFirst([1, 2, 3]))).toEqual([10, 20, 30]);
    await expectEverywhere(() => map(async (n: number) => n + 1), [1, 2, 3], [2, 3, 4]);
  });

  it('passes the 0-based index as the second argument, restarting for each run', async () => {
    const op = map((s: string, i: number) => `${i}:${s}`);
    expect(await toArray(op(['a', 'b']))).toEqual(['0:a', '1:b']);
    expect(await toArray(op(asyncOf(['c'])))).toEqual(['0:c']);
  });

  it('gives nothing for an empty input, every way', async () => {
    await expectEverywhere(() => map((n: number) => n * 2), [], []);
  });

  it('maps a single item, every way', async () => {
    await expectEverywhere(() => map((n: number) => n * 2), [21], [42]);
  });

  it('runs the source finally once when the consumer stops early (break, take in pipe, take in chain)', async () => {
    await expectEarlyExit(() => map((n: number) => n + 1));
    await expectEarlyExit(() => map(async (n: number) => n + 1));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => map((n: number) => n), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => map((n: number) => n), () => new Counted(0, err).sync(), err);
  });

  it('rejects with the same error object fn throws or rejects with, and returns the source', async () => {
    const err = new TestError('fn failed');
    await expectRejectsEverywhere(
      () =>
        map((n: number) => {
          if (n === 1) throw err;
          return n;
        }),
      () => [0, 1, 2],
      err,
    );
    await expectRejectsEverywhere(() => map(async () => Promise.reject(err)), () => asyncOf([0]), err);
    const src = new Counted();
    await expect(
      toArray(
        map((n: number) => {
          if (n === 3) throw err;
          return n;
        })(src.async()),
      ),
    ).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('is fused in chain(): an error names its stage index through failedStage()', async () => {
    const err = new TestError('third stage');
    const out: number[] = [];
    const failing = pipeline(
      toReadable([1, 2]),
      chain(
        map((n: number) => n + 1),
        filter(() => true),
        map(() => {
          throw err;
        }),
      ),
      collect(out),
    );
    await expect(failing).rejects.toBe(err);
    expect(failedStage(err)).toEqual({ index: 2, label: 'map' });
    expect(await toArray(pipe([1, 2], map((n) => n * 2), map((n) => n + 1)))).toEqual([3, 5]);
  });

  it('checks its arguments when called, not on the first item', () => {
    expect(() => map(42 as never)).toThrow(GenstreamArgumentError);
    expect(() => map(42 as never)).toThrow(TypeError); // argument errors stay TypeErrors
    expect(() => map(42 as never)).toThrow('map: expected `fn` to be a function, got `42` (number)');
    expect(() => map((x) => x, 'fast' as never)).toThrow('map: expected `options` to be an object, got `"fast"` (string)');
    expect(() => map((x) => x, { concurrency: 0 })).toThrow(/map: expected `options\.concurrency` to be a positive integer.*got `0` \(number\)/);
    expect(() => map((x) => x, { concurrency: 2, ordered: 'yes' as never })).toThrow(/`options\.ordered` to be a boolean, got `"yes"` \(string\)/);
    expect(() => map((x) => x, { ordered: 'yes' as never })).toThrow(/`options\.ordered` to be a boolean/); // checked without concurrency too
    expect(() => map((x) => x)(42 as never)).toThrow(/map stage: expected `source` to be an iterable/);
  });
});
