import { describe, expect, it } from 'vitest';
import { count, filter, GenstreamArgumentError, pipe, run } from '../../lib/index.js';
import { TestError, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted } from './harness.js';

watchUnhandled();

describe('count', () => {
  it('counts the items of a sync or async source', async () => {
    expect(await count([1, 2, 3])).toBe(3);
    expect(await count(asyncOf('abcd'))).toBe(4);
    expect(await count(pipe(new Counted(10).async(), filter((n: number) => n % 2 === 0)))).toBe(5);
  });

  it('is a run() sink', async () => {
    expect(await run([1, 2, 3], filter((n: number) => n > 1), count)).toBe(2);
  });

  it('gives 0 for an empty input', async () => {
    expect(await count([])).toBe(0);
    expect(await count(asyncOf([]))).toBe(0);
  });

  it('counts a single item', async () => {
    expect(await count(asyncOf([undefined]))).toBe(1);
  });

  it('reads the source to its end (its finally runs once)', async () => {
    const src = new Counted(4);
    expect(await count(src.sync())).toBe(4);
    expect(src.finallies).toBe(1);
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expect(count(new Counted(3, err).async())).rejects.toBe(err);
    await expect(run(new Counted(3, err).sync(), count)).rejects.toBe(err);
  });

  it('rejects with an argument error for a non-iterable source', async () => {
    await expect(count({} as never)).rejects.toThrow(GenstreamArgumentError);
    await expect(count({} as never)).rejects.toThrow('count: expected `source` to be an iterable or async iterable, got an object (Object)');
  });
});
