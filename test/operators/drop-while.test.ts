import { describe, expect, it } from 'vitest';
import { dropWhile, GenstreamArgumentError } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('dropWhile', () => {
  it('skips items until the first falsy result, then passes all, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => dropWhile((n: number) => n < 3), [1, 2, 3, 1, 4], [3, 1, 4]);
  });

  it('awaits an async predicate', async () => {
    await expectEverywhere(() => dropWhile(async (n: number) => n > 0), [2, 1, 0, 5], [0, 5]);
  });

  it('does not call the predicate again after the first falsy result', async () => {
    const seen: number[] = [];
    const op = dropWhile((n: number, i: number) => {
      seen.push(i);
      return n === 0;
    });
    expect(await toArray(op([0, 0, 1, 0, 2]))).toEqual([1, 0, 2]);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('gives nothing for an empty input, and nothing when every item is dropped, every way', async () => {
    await expectEverywhere(() => dropWhile(() => false), [], []);
    await expectEverywhere(() => dropWhile(() => true), [1, 2], []);
  });

  it('handles a single item, every way', async () => {
    await expectEverywhere(() => dropWhile(() => false), [3], [3]);
    await expectEverywhere(() => dropWhile(() => true), [3], []);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => dropWhile((n: number) => n < 2));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => dropWhile(() => true), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => dropWhile(() => false), () => new Counted(2, err).sync(), err);
  });

  it('rejects with the same error object the predicate throws or rejects with', async () => {
    const err = new TestError('predicate failed');
    await expectRejectsEverywhere(
      () =>
        dropWhile(() => {
          throw err;
        }),
      () => [1],
      err,
    );
    await expectRejectsEverywhere(() => dropWhile(async () => Promise.reject(err)), () => asyncOf([1]), err);
    const src = new Counted();
    await expect(
      toArray(
        dropWhile(() => {
          throw err;
        })(src.sync()),
      ),
    ).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('checks its arguments when called', () => {
    expect(() => dropWhile({} as never)).toThrow(GenstreamArgumentError);
    expect(() => dropWhile({} as never)).toThrow('dropWhile: expected `predicate` to be a function, got an object (Object)');
  });
});
