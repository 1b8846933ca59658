import { describe, expect, it } from 'vitest';
import { enumerate, GenstreamArgumentError, map, pipe } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('enumerate', () => {
  it('pairs each item with its index from 0, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(
      () => enumerate(),
      ['a', 'b', 'c'],
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
      ],
    );
  });

  it('counts from `start`, which may be negative', async () => {
    await expectEverywhere(
      () => enumerate(1),
      ['a', 'b'],
      [
        [1, 'a'],
        [2, 'b'],
      ],
    );
    expect(await toArray(enumerate(-1)(['x', 'y']))).toEqual([
      [-1, 'x'],
      [0, 'y'],
    ]);
  });

  it('restarts from `start` for every run, and infers [number, T] pairs', async () => {
    const op = enumerate<string>(5);
    expect(await toArray(op(['a']))).toEqual([[5, 'a']]);
    const labels: string[] = await toArray(pipe(['p', 'q'], op, map(([i, s]) => `${i}${s}`)));
    expect(labels).toEqual(['5p', '6q']);
  });

  it('gives nothing for an empty input, every way', async () => {
    await expectEverywhere(() => enumerate(), [], []);
  });

  it('handles a single item, every way', async () => {
    await expectEverywhere(() => enumerate(), [true], [[0, true]]);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => enumerate());
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => enumerate(), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => enumerate(), () => new Counted(2, err).sync(), err);
  });

  it('checks its arguments when called', () => {
    expect(() => enumerate(1.5)).toThrow(GenstreamArgumentError);
    expect(() => enumerate(1.5)).toThrow('enumerate: expected `start` to be an integer, got `1.5` (number)');
    expect(() => enumerate('1' as never)).toThrow('got `"1"` (string)');
  });
});
