import { describe, expect, it } from 'vitest';
import { EmptySourceError, GenstreamArgumentError, GenstreamError, map, pipe, reduce, run } from '../../lib/index.js';
import { settledError, TestError, tick, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted } from './harness.js';

watchUnhandled();

const add = (sum: number, n: number): number => sum + n;

describe('reduce', () => {
  it('folds a sync or async source from the seed', async () => {
    expect(await reduce([1, 2, 3], add, 0)).toBe(6);
    expect(await reduce(asyncOf([1, 2, 3]), add, 10)).toBe(16);
    expect(await reduce(['a', 'b'], (acc: string[], s: string) => [...acc, s.toUpperCase()], [] as string[])).toEqual(['A', 'B']);
  });

  it('passes the index and awaits an async reducer, in order', async () => {
    const seen: number[] = [];
    const total = await reduce(
      asyncOf([5, 6, 7]),
      async (acc: number, n: number, i: number) => {
        await tick();
        seen.push(i);
        return acc + n * i;
      },
      0,
    );
    expect(total).toBe(0 * 5 + 1 * 6 + 2 * 7);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('is a run() sink and a function over a pipe() when called without a source', async () => {
    expect(await run([1, 2, 3], map((n: number) => n * 2), reduce(add, 0))).toBe(12);
    expect(await reduce(add, 1)(pipe(asyncOf([1, 2]), map((n: number) => n)))).toBe(4);
  });

  it('gives the seed for an empty input', async () => {
    expect(await reduce([], add, 42)).toBe(42);
    expect(await run(asyncOf([] as number[]), reduce(add, 7))).toBe(7);
  });

  it('folds a single item', async () => {
    expect(await reduce([5], add, 1)).toBe(6);
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expect(reduce(new Counted(2, err).async(), add, 0)).rejects.toBe(err);
    await expect(run(new Counted(2, err).sync(), reduce(add, 0))).rejects.toBe(err);
  });

  it('rejects with the same error object the reducer throws, and returns the source (its finally runs)', async () => {
    const err = new TestError('reducer failed');
    const src = new Counted();
    const failing = (acc: number, n: number): number => {
      if (n === 2) throw err;
      return acc + n;
    };
    await expect(reduce(src.async(), failing, 0)).rejects.toBe(err);
    expect(src.finallies).toBe(1);
    const viaRun = new Counted();
    await expect(run(viaRun.async(), reduce(async () => Promise.reject(err), 0))).rejects.toBe(err);
    expect(viaRun.finallies).toBe(1);
  });

  it('starts from the first item when no seed is given, like Array.prototype.reduce (fn from index 1)', async () => {
    const calls: [number, number, number][] = [];
    const sum = (acc: number, n: number, i: number): number => {
      calls.push([acc, n, i]);
      return acc + n;
    };
    expect(await reduce([1, 2, 3], sum)).toBe(6);
    expect(calls).toEqual([
      [1, 2, 1],
      [3, 3, 2],
    ]);
    expect(calls).toEqual(
      (() => {
        const model: [number, number, number][] = [];
        [1, 2, 3].reduce((acc, n, i) => (model.push([acc, n, i]), acc + n));
        return model;
      })(),
    );
    expect(await reduce(asyncOf([4, 9, 2]), (a: number, b: number) => Math.max(a, b))).toBe(9);
    expect(await run(asyncOf([2, 3, 4]), map((n: number) => n), reduce((a: number, b: number) => a * b))).toBe(24);
    expect(await reduce((a: string, b: string) => a + b)(['x', 'y'])).toBe('xy');
  });

  it('gives the only item without calling fn when no seed is given and the source has one item', async () => {
    let calls = 0;
    const fn = (a: number, b: number): number => (calls++, a + b);
    expect(await reduce([7], fn)).toBe(7);
    expect(await run(asyncOf([8]), reduce(fn))).toBe(8);
    expect(calls).toBe(0);
  });

  it('rejects an empty source without a seed with an EmptySourceError (ERR_GENSTREAM_EMPTY_SOURCE)', async () => {
    for (const result of [reduce([], add), reduce(asyncOf([] as number[]), add), run([] as number[], reduce(add)), run(asyncOf([] as number[]), map((n: number) => n), reduce(add))]) {
      const err = await result.then(...settledError);
      expect(err).toBeInstanceOf(EmptySourceError);
      expect(err).toBeInstanceOf(GenstreamError);
      expect((err as EmptySourceError).code).toBe('ERR_GENSTREAM_EMPTY_SOURCE');
      expect((err as Error).name).toBe('EmptySourceError');
      expect((err as Error).message).toBe('reduce: the source was empty and no seed was given; pass a seed: reduce(fn, seed)');
    }
  });

  it('treats an explicit undefined seed as a seed (by argument count, not by value)', async () => {
    const pair = (acc: unknown, n: number): unknown => [acc, n];
    expect(await reduce([], pair, undefined)).toBeUndefined();
    expect(await reduce([1], pair, undefined)).toEqual([undefined, 1]);
    expect(await run([] as number[], reduce(pair, undefined))).toBeUndefined();
    expect(await run([1, 2], reduce(pair, undefined))).toEqual([[undefined, 1], 2]);
  });

  it('without a seed: rejects with the same error object the source or the reducer throws, and returns the source', async () => {
    const err = new TestError('failed');
    await expect(reduce(new Counted(2, err).async(), add)).rejects.toBe(err);
    await expect(run(new Counted(0, err).sync(), reduce(add))).rejects.toBe(err);
    const src = new Counted();
    const failing = (acc: number, n: number): number => {
      if (n === 3) throw err;
      return acc + n;
    };
    await expect(reduce(src.async(), failing)).rejects.toBe(err);
    expect(src.produced).toBe(4);
    expect(src.finallies).toBe(1);
    const viaRun = new Counted();
    await expect(run(viaRun.async(), reduce(async (_a: number, _b: number): Promise<number> => Promise.reject(err)))).rejects.toBe(err);
    expect(viaRun.finallies).toBe(1);
  });

  it('checks its arguments when called (a sink rejects on a bad source)', async () => {
    expect(() => reduce(42 as never, add, 0)).toThrow(GenstreamArgumentError);
    expect(() => reduce(42 as never, add, 0)).toThrow(
      'reduce: expected `source` to be an iterable or async iterable (or a reducer function), got `42` (number)',
    );
    expect(() => reduce([1], 'add' as never, 0)).toThrow('reduce: expected `fn` to be a function, got `"add"` (string)');
    await expect(reduce(add, 0)(7 as never)).rejects.toThrow('reduce sink: expected `source` to be an iterable or async iterable, got `7` (number)');
    await expect(reduce(add)(7 as never)).rejects.toThrow('reduce sink: expected `source` to be an iterable or async iterable, got `7` (number)');
    expect(() => reduce([1], 'add' as never)).toThrow('reduce: expected `fn` to be a function, got `"add"` (string)');
  });
});
