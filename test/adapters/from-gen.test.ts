import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { fromGen, toReadable, toWritable } from '../../lib/index.js';

const collect = <T>(out: T[]) =>
  toWritable(async (source: AsyncIterable<T>) => {
    for await (const x of source) out.push(x);
  });

describe('fromGen', () => {
  it('maps items and emits what the generator yields after its loop before the end', async () => {
    const out: number[] = [];
    await pipeline(
      toReadable([1, 2, 3]),
      fromGen(async function* (source: AsyncIterable<number>) {
        for await (const x of source) yield x * 2;
        yield 100;
      }),
      collect(out),
    );
    expect(out).toEqual([2, 4, 6, 100]);
  });
});
