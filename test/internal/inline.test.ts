import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { chain, failedStage, filter, map, pipe, tap, toArray, toReadable } from '../../lib/index.js';
import { collect, TestError } from '../helpers.js';

// Adjacent map/filter/tap steps run as one generated function (lib/internal/inline.ts); these tests
// pin that it keeps the step objects' semantics when items switch between the sync and async paths.
describe('inlined map/filter/tap runs', () => {
  it('keeps per-step indices and order when some items go async mid-run', async () => {
    const seen: [number, number][] = [];
    const out = await toArray(
      pipe(
        [10, 11, 12, 13, 14, 15],
        map((x: number, i) => (i % 2 === 1 ? Promise.resolve(x * 2) : x * 2)),
        filter((x, i) => (i % 3 === 2 ? Promise.resolve(x !== 24) : x !== 24)),
        tap((x, i) => void seen.push([x, i])),
        map((x, i) => `${i}:${x}`),
      ),
    );
    expect(out).toEqual(['0:20', '1:22', '2:26', '3:28', '4:30']);
    expect(seen).toEqual([
      [20, 0],
      [22, 1],
      [26, 2],
      [28, 3],
      [30, 4],
    ]);
  });

  it('attributes a throw inside the run to the step that threw, not to its neighbours', async () => {
    const err = new TestError('third');
    const stage = chain(
      map((x: number) => x + 1),
      filter(() => true),
      map((x: number) => {
        if (x === 3) throw err;
        return x;
      }),
      tap(() => {}),
    );
    await expect(pipeline(toReadable([1, 2, 3]), stage, collect([]))).rejects.toBe(err);
    expect(failedStage(err)).toEqual({ index: 2, label: 'map' });
  });

  it('attributes an async rejection inside the run to its step', async () => {
    const err = new TestError('async');
    await expect(
      toArray(
        pipe(
          [1, 2],
          map((x: number) => x),
          tap(async (x) => {
            if (x === 2) throw err;
          }),
          map((x) => x),
        ),
      ),
    ).rejects.toBe(err);
    expect(failedStage(err)).toEqual({ index: 1, label: 'tap' });
  });

  it('does not tag an error raised after the run (in a later, non-inlined step)', async () => {
    const err = new TestError('later');
    await expect(
      toArray(
        pipe(
          [1],
          map((x: number) => x),
          map((x) => x),
          async function* boom(source: AsyncIterable<number>) {
            for await (const _ of source) throw err;
            yield 0;
          },
        ),
      ),
    ).rejects.toBe(err);
    expect(failedStage(err)?.index).toBe(2);
  });
});
