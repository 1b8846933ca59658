import { describe, expect, it } from 'vitest';
import { forEach, GenstreamArgumentError, map, pipe, run } from '../../lib/index.js';
import { TestError, tick, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted } from './harness.js';

watchUnhandled();

describe('forEach', () => {
  it('calls fn with each item and its index, for sync and async sources, and resolves at the end', async () => {
    const seen: string[] = [];
    await expect(forEach(['a', 'b'], (s, i) => seen.push(`${i}:${s}`))).resolves.toBeUndefined();
    await forEach(asyncOf(['c']), (s, i) => seen.push(`${i}:${s}`));
    expect(seen).toEqual(['0:a', '1:b', '0:c']);
  });

  it('awaits an async fn before the next item: calls never overlap', async () => {
    let running = 0;
    let max = 0;
    const order: number[] = [];
    await forEach(asyncOf([1, 2, 3]), async (n) => {
      running++;
      max = Math.max(max, running);
      await tick();
      order.push(n);
      running--;
    });
    expect(max).toBe(1);
    expect(order).toEqual([1, 2, 3]);
  });

  it('is a run() sink and a function over a pipe() when called without a source', async () => {
    const seen: number[] = [];
    await run([1, 2], map((n: number) => n * 2), forEach((n: number) => void seen.push(n)));
    await forEach((n: number) => void seen.push(n))(pipe([5], map((n: number) => n)));
    expect(seen).toEqual([2, 4, 5]);
  });

  it('never calls fn for an empty input', async () => {
    let calls = 0;
    await forEach([], () => calls++);
    await forEach(asyncOf([]), () => calls++);
    expect(calls).toBe(0);
  });

  it('handles a single item', async () => {
    const seen: unknown[] = [];
    await forEach(asyncOf([42]), (n) => void seen.push(n));
    expect(seen).toEqual([42]);
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expect(forEach(new Counted(2, err).async(), () => undefined)).rejects.toBe(err);
    await expect(run(new Counted(2, err).sync(), forEach(() => undefined))).rejects.toBe(err);
  });

  it('rejects with the same error object fn throws or rejects with, and returns the source (its finally runs)', async () => {
    const err = new TestError('fn failed');
    for (const kind of ['sync', 'async'] as const) {
      const src = new Counted();
      await expect(
        forEach(src[kind](), (n) => {
          if (n === 1) throw err;
        }),
      ).rejects.toBe(err);
      expect(src.finallies, kind).toBe(1);
      expect(src.produced, kind).toBe(2);
    }
    const viaRun = new Counted();
    await expect(run(viaRun.async(), forEach(async () => Promise.reject(err)))).rejects.toBe(err);
    expect(viaRun.finallies).toBe(1);
  });

  it('checks its arguments when called (a sink rejects on a bad source)', async () => {
    expect(() => forEach(42 as never)).toThrow(GenstreamArgumentError);
    expect(() => forEach(42 as never)).toThrow('forEach: expected `source` to be an iterable or async iterable (or a function), got `42` (number)');
    expect(() => forEach([1], undefined as never)).toThrow('forEach: expected `fn` to be a function, got `undefined`');
    await expect(forEach(() => undefined)(3 as never)).rejects.toThrow('forEach sink: expected `source` to be an iterable or async iterable, got `3` (number)');
  });
});
