import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { batch, chain, GenstreamArgumentError, map, pipe, take, toReadable } from '../../lib/index.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('take', () => {
  it('passes the first n items, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => take(2), [1, 2, 3, 4], [1, 2]);
  });

  it('passes everything when the input is shorter than n', async () => {
    await expectEverywhere(() => take(10), [1, 2, 3], [1, 2, 3]);
  });

  it('take(0) passes nothing and never pulls the source', async () => {
    await expectEverywhere(() => take(0), [1, 2, 3], []);
    const src = new Counted();
    expect(await toArray(take(0)(src.async()))).toEqual([]);
    expect(src.produced).toBe(0);
  });

  it('gives nothing for an empty input, every way', async () => {
    await expectEverywhere(() => take(3), [], []);
  });

  it('passes a single item, every way', async () => {
    await expectEverywhere(() => take(1), ['x', 'y'], ['x']);
    await expectEverywhere(() => take(5), ['x'], ['x']);
  });

  it('returns the source right after the nth item: its finally runs once and nothing more is pulled', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const src = new Counted();
      expect(await toArray(take(3)(src[kind]()))).toEqual([0, 1, 2]);
      expect(src.produced, kind).toBe(3);
      expect(src.finallies, kind).toBe(1);
    }
  });

  it('runs the source finally once when the consumer stops before n items', async () => {
    await expectEarlyExit(() => take(5));
  });

  it('ends a stream.pipeline gracefully over an endless source (chain, and as a plain stage)', async () => {
    const inChain = new Counted();
    const out: number[] = [];
    await pipeline(toReadable(() => inChain.async()), chain(map((n: number) => n * 2), take(3)), collect(out));
    expect(out).toEqual([0, 2, 4]);
    expect(inChain.finallies).toBe(1);

    const asStage = new Counted();
    const out2: number[] = [];
    await pipeline(Readable.from(asStage.async()), take(2), collect(out2));
    expect(out2).toEqual([0, 1]);
    expect(asStage.finallies).toBe(1);
  });

  it('flushes a downstream batch that holds a partial batch when it stops', async () => {
    expect(await toArray(pipe(new Counted().async(), take(5), batch(2)))).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('rejects with the same error object the source throws before n items', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => take(5), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => take(5), () => new Counted(2, err).sync(), err);
  });

  it('never pulls (so never sees) a source error that comes after the nth item, in for await and pipe()', async () => {
    const err = new TestError('too late');
    expect(await toArray(take(2)(new Counted(2, err).async()))).toEqual([0, 1]);
    expect(await toArray(take(2)(new Counted(2, err).sync()))).toEqual([0, 1]);
    expect(await toArray(pipe(new Counted(2, err).async(), map((n: number) => n), take(2)))).toEqual([0, 1]);
  });

  it('checks its arguments when called', () => {
    expect(() => take(-1)).toThrow(GenstreamArgumentError);
    expect(() => take(-1)).toThrow('take: expected `n` to be a non-negative integer, got `-1` (number)');
    expect(() => take(1.5)).toThrow('got `1.5` (number)');
    expect(() => take('3' as never)).toThrow('got `"3"` (string)');
    expect(() => take(NaN)).toThrow('got `NaN` (number)');
  });
});
