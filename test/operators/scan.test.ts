import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, scan } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

const add = (acc: number, n: number): number => acc + n;

describe('scan', () => {
  it('emits the running total from a seed, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => scan(add, 0), [1, 2, 3], [1, 3, 6]);
    await expectEverywhere(() => scan(add, 100), [1, 2], [101, 103]);
  });

  it('without a seed, emits the first item as the first total and does not call fn for it', async () => {
    const calls: [number, number, number][] = [];
    const op = scan((acc: number, n: number, i: number) => {
      calls.push([acc, n, i]);
      return acc * n;
    });
    expect(await toArray(op([2, 3, 4]))).toEqual([2, 6, 24]);
    expect(calls).toEqual([
      [2, 3, 1],
      [6, 4, 2],
    ]);
    await expectEverywhere(() => scan(add), [5, 1, 1], [5, 6, 7]);
  });

  it('with a seed, passes the seed and index 0 to the first call; the seed itself is not emitted', async () => {
    const calls: unknown[] = [];
    const op = scan((acc: string, s: string, i: number) => {
      calls.push([acc, s, i]);
      return acc + s;
    }, '>');
    expect(await toArray(op(['a', 'b']))).toEqual(['>a', '>ab']);
    expect(calls).toEqual([
      ['>', 'a', 0],
      ['>a', 'b', 1],
    ]);
  });

  it('accepts an explicit undefined seed and a seed of another type than the items', async () => {
    expect(await toArray(scan((acc: number | undefined, n: number) => (acc ?? 0) + n, undefined)([1, 2]))).toEqual([1, 3]);
    expect(await toArray(scan((acc: string[], n: number) => [...acc, String(n)], [] as string[])([1, 2]))).toEqual([['1'], ['1', '2']]);
  });

  it('awaits an async fn', async () => {
    await expectEverywhere(() => scan(async (acc: number, n: number) => acc + n, 0), [1, 2, 3], [1, 3, 6]);
  });

  it('starts from the seed again for every run of the same operator', async () => {
    const op = scan(add, 0);
    expect(await toArray(op([1, 2]))).toEqual([1, 3]);
    expect(await toArray(op(asyncOf([1, 2])))).toEqual([1, 3]);
    const unseeded = scan(add);
    expect(await toArray(unseeded([1, 2]))).toEqual([1, 3]);
    expect(await toArray(unseeded([5]))).toEqual([5]);
  });

  it('gives nothing for an empty input (with or without a seed), every way', async () => {
    await expectEverywhere(() => scan(add, 0), [], []);
    await expectEverywhere(() => scan(add), [], []);
  });

  it('handles a single item, every way', async () => {
    await expectEverywhere(() => scan(add, 10), [1], [11]);
    await expectEverywhere(() => scan(add), [1], [1]);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => scan(add, 0));
    await expectEarlyExit(() => scan(add));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => scan(add, 0), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => scan(add), () => new Counted(2, err).sync(), err);
  });

  it('rejects with the same error object fn throws or rejects with', async () => {
    const err = new TestError('fn failed');
    const throwing = (): number => {
      throw err;
    };
    await expectRejectsEverywhere(() => scan(throwing, 0), () => [1], err);
    await expectRejectsEverywhere(() => scan(throwing), () => [1, 2], err);
    await expectRejectsEverywhere(() => scan(async () => Promise.reject(err), 0), () => [1], err);
    const src = new Counted();
    await expect(toArray(scan(throwing, 0)(src.async()))).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('checks its arguments when called', () => {
    expect(() => scan(0 as never, 0)).toThrow(GenstreamArgumentError);
    expect(() => scan(0 as never, 0)).toThrow('scan: expected `fn` to be a function, got `0` (number)');
  });
});
