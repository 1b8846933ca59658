import { describe, expect, it } from 'vitest';
import { drop, GenstreamArgumentError } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('drop', () => {
  it('skips the first n items and passes the rest, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => drop(2), [1, 2, 3, 4], [3, 4]);
  });

  it('drop(0) passes everything; n beyond the input passes nothing', async () => {
    await expectEverywhere(() => drop(0), [1, 2], [1, 2]);
    await expectEverywhere(() => drop(5), [1, 2], []);
  });

  it('gives nothing for an empty input, every way', async () => {
    await expectEverywhere(() => drop(1), [], []);
  });

  it('handles a single item, every way', async () => {
    await expectEverywhere(() => drop(1), ['a'], []);
    await expectEverywhere(() => drop(0), ['a'], ['a']);
  });

  it('restarts its count for every run of the same operator', async () => {
    const op = drop(1);
    expect(await toArray(op([1, 2]))).toEqual([2]);
    expect(await toArray(op([3, 4]))).toEqual([4]);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => drop(3));
  });

  it('rejects with the same error object the source throws, even while still dropping', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => drop(1), () => new Counted(3, err).async(), err);
    await expectRejectsEverywhere(() => drop(10), () => new Counted(3, err).sync(), err);
  });

  it('checks its arguments when called', () => {
    expect(() => drop(-2)).toThrow(GenstreamArgumentError);
    expect(() => drop(-2)).toThrow('drop: expected `n` to be a non-negative integer, got `-2` (number)');
    expect(() => drop(Infinity)).toThrow('got `Infinity` (number)');
  });
});
