import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, map, pipe, reduce, run } from '../../lib/index.js';
import { TestError, tick, watchUnhandled } from '../helpers.js';
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

  it('checks its arguments when called', () => {
    expect(() => reduce(42 as never, add, 0)).toThrow(GenstreamArgumentError);
    expect(() => reduce(42 as never, add, 0)).toThrow(
      'reduce: expected `source` to be an iterable or async iterable (or a reducer function), got `42` (number)',
    );
    expect(() => reduce([1], 'add' as never, 0)).toThrow('reduce: expected `fn` to be a function, got `"add"` (string)');
    expect(() => reduce(add, 0)(7 as never)).toThrow('reduce sink: expected `source` to be an iterable or async iterable, got `7` (number)');
  });
});
