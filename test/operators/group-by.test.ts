import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { groupBy } from '../../lib/operators/group-by.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

describe('groupBy', () => {
  it('yields nothing for an empty source', async () => {
    expect(await toArray(groupBy((x: number) => x)([]))).toEqual([]);
  });

  it('yields one group for one item', async () => {
    expect(await toArray(groupBy((x: number) => x % 2)([7]))).toEqual([[1, [7]]]);
  });

  it('groups consecutive runs of the same key, like itertools.groupby', async () => {
    const words = ['apple', 'avocado', 'banana', 'blueberry', 'cherry', 'apricot'];
    expect(await toArray(groupBy((w: string) => w[0])(words))).toEqual([
      ['a', ['apple', 'avocado']],
      ['b', ['banana', 'blueberry']],
      ['c', ['cherry']],
      ['a', ['apricot']], // a key that comes back starts a new group
    ]);
  });

  it('compares keys with SameValueZero (NaN groups with NaN) and passes the index', async () => {
    expect(await toArray(groupBy((x: number) => x)([NaN, NaN, 0, -0]))).toEqual([
      [NaN, [NaN, NaN]],
      [0, [0, -0]],
    ]);
    const indexes: number[] = [];
    await toArray(
      groupBy((_x: string, i: number) => {
        indexes.push(i);
        return 1;
      })(['a', 'b', 'c']),
    );
    expect(indexes).toEqual([0, 1, 2]);
  });

  it('accepts an async keyFn and sync or async sources', async () => {
    const key = async (n: number) => Math.floor(n / 10);
    expect(await toArray(groupBy(key)([1, 2, 11, 12, 21]))).toEqual([
      [0, [1, 2]],
      [1, [11, 12]],
      [2, [21]],
    ]);
    async function* source() {
      yield* [1, 1, 2];
    }
    expect(await toArray(groupBy((n: number) => n)(source()))).toEqual([
      [1, [1, 1]],
      [2, [2]],
    ]);
  });

  it('holds only the current group: a group is emitted when the next key starts', async () => {
    let pulled = 0;
    async function* source() {
      for (const x of [1, 1, 2, 2, 3]) {
        pulled++;
        yield x;
      }
    }
    const seen: [number, number][] = [];
    for await (const [key] of groupBy((x: number) => x)(source())) seen.push([key, pulled]);
    expect(seen).toEqual([
      [1, 3],
      [2, 5],
      [3, 5],
    ]);
  });

  it('passes an error thrown by keyFn through as the same object, and returns the source', async () => {
    const boom = new TestError('bad key');
    let finallies = 0;
    async function* source() {
      try {
        yield* [1, 2, 3];
      } finally {
        finallies++;
      }
    }
    const keyFn = (x: number) => {
      if (x === 2) throw boom;
      return x;
    };
    await expect(toArray(groupBy(keyFn)(source()))).rejects.toBe(boom);
    expect(finallies).toBe(1);
    const rejecting = async (x: number) => {
      if (x === 2) throw boom;
      return x;
    };
    await expect(toArray(groupBy(rejecting)([1, 2]))).rejects.toBe(boom);
  });

  it('runs the source finally once when the consumer breaks early', async () => {
    let finallies = 0;
    async function* source() {
      try {
        yield* [1, 1, 2, 2, 3];
      } finally {
        finallies++;
      }
    }
    for await (const [key, items] of groupBy((x: number) => x)(source())) {
      expect([key, items]).toEqual([1, [1, 1]]);
      break;
    }
    expect(finallies).toBe(1);
  });

  it('passes a source error through as the same object', async () => {
    const boom = new TestError('boom');
    async function* source() {
      yield 1;
      throw boom;
    }
    await expect(toArray(groupBy((x: number) => x)(source()))).rejects.toBe(boom);
  });

  it('works as a stream.pipeline stage', async () => {
    const out: [string, { day: string; n: number }[]][] = [];
    const rows = [
      { day: 'mon', n: 1 },
      { day: 'mon', n: 2 },
      { day: 'tue', n: 3 },
    ];
    await pipeline(Readable.from(rows), groupBy((r: { day: string }) => r.day), collect(out));
    expect(out.map(([day, items]) => [day, items.length])).toEqual([
      ['mon', 2],
      ['tue', 1],
    ]);
  });

  it('checks keyFn at call time', () => {
    expect(() => groupBy('day' as never)).toThrow(GenstreamArgumentError);
    expect(() => groupBy('day' as never)).toThrow('groupBy: expected `keyFn` to be a function, got `"day"` (string)');
  });
});
