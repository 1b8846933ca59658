import { describe, expect, it } from 'vitest';
import { filter, GenstreamArgumentError, pipe } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('filter', () => {
  it('keeps the items the predicate accepts, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => filter((n: number) => n % 2 === 0), [1, 2, 3, 4, 5, 6], [2, 4, 6]);
  });

  it('treats truthy and falsy results like Array.prototype.filter', async () => {
    const values = [0, 1, '', 'a', null, {}, undefined, NaN, 2] as const;
    const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((i) => values[i]);
    expect(await toArray(filter((i: number) => values[i])([0, 1, 2, 3, 4, 5, 6, 7, 8]))).toEqual(expected);
  });

  it('awaits an async predicate, in order', async () => {
    await expectEverywhere(() => filter(async (n: number) => n > 1), [3, 1, 2, 0], [3, 2]);
  });

  it('passes the 0-based index of the input item', async () => {
    expect(await toArray(filter((_: string, i: number) => i !== 1)(['a', 'b', 'c']))).toEqual(['a', 'c']);
  });

  it('narrows the output type with a type-guard predicate', async () => {
    const isString = (x: string | number): x is string => typeof x === 'string';
    const out: string[] = await toArray(pipe(['a', 1, 'b'], filter(isString)));
    expect(out).toEqual(['a', 'b']);
  });

  it('gives nothing for an empty input, and nothing when all items are rejected, every way', async () => {
    await expectEverywhere(() => filter(() => true), [], []);
    await expectEverywhere(() => filter(() => false), [1, 2, 3], []);
  });

  it('keeps or drops a single item, every way', async () => {
    await expectEverywhere(() => filter((n: number) => n > 0), [7], [7]);
    await expectEverywhere(() => filter((n: number) => n > 10), [7], []);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => filter((n: number) => n % 3 === 2));
    await expectEarlyExit(() => filter(async (n: number) => n > 2));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => filter(() => true), () => new Counted(3, err).async(), err);
    await expectRejectsEverywhere(() => filter(() => false), () => new Counted(3, err).sync(), err);
  });

  it('rejects with the same error object the predicate throws or rejects with, and returns the source', async () => {
    const err = new TestError('predicate failed');
    const throwsAt2 = (n: number): boolean => {
      if (n === 2) throw err;
      return true;
    };
    await expectRejectsEverywhere(() => filter(throwsAt2), () => [0, 1, 2, 3], err);
    await expectRejectsEverywhere(() => filter(async () => Promise.reject(err)), () => asyncOf([1]), err);
    const src = new Counted();
    await expect(toArray(filter(throwsAt2)(src.sync()))).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('checks its arguments when called', () => {
    expect(() => filter(undefined as never)).toThrow(GenstreamArgumentError);
    expect(() => filter('x' as never)).toThrow('filter: expected `predicate` to be a function, got `"x"` (string)');
  });
});
