import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collect, GenstreamArgumentError, map, pipe, run, toArray, toReadable } from '../../lib/index.js';
import { TestError, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted } from './harness.js';

watchUnhandled();

describe('toArray', () => {
  it('collects every item of a sync iterable, an async iterable, a Readable and a pipe()', async () => {
    expect(await toArray([1, 2, 3])).toEqual([1, 2, 3]);
    expect(await toArray(asyncOf(['a', 'b']))).toEqual(['a', 'b']);
    expect(await toArray(Readable.from([1, 2]))).toEqual([1, 2]);
    expect(await toArray(toReadable(new Counted(3).async()))).toEqual([0, 1, 2]);
    expect(await toArray(pipe([1, 2], map((n: number) => n * 2)))).toEqual([2, 4]);
  });

  it('is a run() sink', async () => {
    const out: number[] = await run([1, 2, 3], map((n: number) => n + 1), toArray);
    expect(out).toEqual([2, 3, 4]);
  });

  it('gives an empty array for an empty input', async () => {
    expect(await toArray([])).toEqual([]);
    expect(await toArray(asyncOf([]))).toEqual([]);
  });

  it('collects a single item', async () => {
    expect(await toArray(asyncOf([null]))).toEqual([null]);
  });

  it('reads the source to its end (its finally runs once)', async () => {
    const src = new Counted(3);
    await toArray(src.async());
    expect(src.finallies).toBe(1);
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expect(toArray(new Counted(2, err).async())).rejects.toBe(err);
    await expect(toArray(new Counted(2, err).sync())).rejects.toBe(err);
    await expect(run(new Counted(2, err).async(), map((n: number) => n), toArray)).rejects.toBe(err);
  });

  it('rejects with an argument error for a non-iterable source', async () => {
    await expect(toArray(42 as never)).rejects.toThrow(GenstreamArgumentError);
    await expect(toArray(42 as never)).rejects.toThrow('toArray: expected `source` to be an iterable or async iterable, got `42` (number)');
  });

  it('collect is the same function', () => {
    expect(collect).toBe(toArray);
  });
});
