import { describe, expect, it } from 'vitest';
import { first, GenstreamArgumentError, map, pipe, run } from '../../lib/index.js';
import { TestError, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted } from './harness.js';

watchUnhandled();

describe('first', () => {
  it('gives the first item of a sync or async source', async () => {
    expect(await first([7, 8])).toBe(7);
    expect(await first(asyncOf(['a', 'b']))).toBe('a');
  });

  it('is a run() sink', async () => {
    expect(await run([1, 2], map((n: number) => n * 3), first)).toBe(3);
  });

  it('gives undefined for an empty input', async () => {
    expect(await first([])).toBeUndefined();
    expect(await first(asyncOf([]))).toBeUndefined();
  });

  it('gives a single item', async () => {
    expect(await first(asyncOf([{ only: true }]))).toEqual({ only: true });
  });

  it('stops right after the first item: nothing more is pulled and the source finally runs once', async () => {
    for (const kind of ['sync', 'async'] as const) {
      const src = new Counted();
      expect(await first(src[kind]())).toBe(0);
      expect(src.produced, kind).toBe(1);
      expect(src.finallies, kind).toBe(1);
    }
    const viaPipe = new Counted();
    expect(await first(pipe(viaPipe.async(), map((n: number) => n + 1)))).toBe(1);
    expect(viaPipe.finallies).toBe(1);
    const viaRun = new Counted();
    expect(await run(viaRun.async(), map((n: number) => n + 1), first)).toBe(1);
    expect(viaRun.finallies).toBe(1);
  });

  it('rejects with the same error object the source throws before its first item', async () => {
    const err = new TestError('source failed');
    await expect(first(new Counted(0, err).async())).rejects.toBe(err);
    await expect(run(new Counted(0, err).sync(), first)).rejects.toBe(err);
    expect(await first(new Counted(1, err).async())).toBe(0); // the error after it is never pulled
  });

  it('rejects with an argument error for a non-iterable source', async () => {
    await expect(first(null as never)).rejects.toThrow(GenstreamArgumentError);
    await expect(first(null as never)).rejects.toThrow('first: expected `source` to be an iterable or async iterable, got `null`');
  });
});
