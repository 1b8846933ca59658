import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, pipe, take, takeWhile } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('takeWhile', () => {
  it('passes items until the first falsy result, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => takeWhile((n: number) => n < 3), [1, 2, 3, 1, 2], [1, 2]);
  });

  it('awaits an async predicate', async () => {
    await expectEverywhere(() => takeWhile(async (n: number) => n !== 0), [4, 5, 0, 6], [4, 5]);
  });

  it('stops at the first falsy result: the predicate is not called again and the source is returned', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const src = new Counted();
      const seen: number[] = [];
      const op = takeWhile((n: number, i: number) => {
        seen.push(i);
        return n < 2;
      });
      expect(await toArray(op(src[kind]()))).toEqual([0, 1]);
      expect(seen, kind).toEqual([0, 1, 2]);
      expect(src.produced, kind).toBe(3);
      expect(src.finallies, kind).toBe(1);
    }
  });

  it('passes an item that an upstream take() let through', async () => {
    expect(await toArray(pipe([1, 2, 3], take(2), takeWhile(() => true)))).toEqual([1, 2]);
  });

  it('gives nothing for an empty input, and nothing when the first item fails, every way', async () => {
    await expectEverywhere(() => takeWhile(() => true), [], []);
    await expectEverywhere(() => takeWhile(() => false), [1, 2], []);
  });

  it('handles a single item, every way', async () => {
    await expectEverywhere(() => takeWhile(() => true), [9], [9]);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => takeWhile(() => true));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => takeWhile(() => true), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => takeWhile(() => true), () => new Counted(2, err).sync(), err);
  });

  it('rejects with the same error object the predicate throws or rejects with', async () => {
    const err = new TestError('predicate failed');
    await expectRejectsEverywhere(
      () =>
        takeWhile(() => {
          throw err;
        }),
      () => [1],
      err,
    );
    await expectRejectsEverywhere(() => takeWhile(async () => Promise.reject(err)), () => asyncOf([1]), err);
    const src = new Counted();
    await expect(toArray(takeWhile(async () => Promise.reject(err))(src.async()))).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('checks its arguments when called', () => {
    expect(() => takeWhile(5 as never)).toThrow(GenstreamArgumentError);
    expect(() => takeWhile(5 as never)).toThrow('takeWhile: expected `predicate` to be a function, got `5` (number)');
  });
});
