import { describe, expectTypeOf, it } from 'vitest';
import { map, pipe, reduce, run } from '../../lib/index.js';

async function* numbers(): AsyncGenerator<number, void, undefined> {
  yield 1;
}

describe('reduce() types', () => {
  it('infers the item type as the accumulator when no seed is given', () => {
    expectTypeOf(reduce([1, 2, 3], (a, b) => a + b)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(reduce(numbers(), async (a, b) => Math.max(a, b))).toEqualTypeOf<Promise<number>>();
    // As for every run() sink (forEach too), the sink's parameters are annotated: run() does not type them.
    expectTypeOf(run([1, 2, 3], reduce((a: number, b: number) => a + b))).toEqualTypeOf<Promise<number>>();
    expectTypeOf(run(['a'], map((s) => s.length), reduce((a: number, b: number) => a + b))).toEqualTypeOf<Promise<number>>();
    expectTypeOf(reduce((a: string, b: string) => a + b)).toEqualTypeOf<(source: AsyncIterable<string> | Iterable<string>) => Promise<string>>();
  });

  it('keeps the seed type as the accumulator when a seed is given', () => {
    expectTypeOf(reduce([1, 2], (acc, n) => [...acc, String(n)], [] as string[])).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(run([1, 2], reduce((acc: string[], n: number) => [...acc, String(n)], [] as string[]))).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(reduce((acc: number, s: string) => acc + s.length, 0)).toEqualTypeOf<(source: AsyncIterable<string> | Iterable<string>) => Promise<number>>();
    expectTypeOf(reduce([1], (acc: number | undefined, n) => (acc ?? 0) + n, undefined)).toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(reduce(pipe(numbers(), map((n) => n)), (acc, n) => acc + n, '')).toEqualTypeOf<Promise<string>>();
  });

  it('rejects a reducer whose accumulator is not the item type when no seed is given', () => {
    // @ts-expect-error without a seed the accumulator starts as an item: string is not number
    void reduce([1, 2], (acc: string, n: number) => acc + n);
    // @ts-expect-error the same for the run() sink
    void run([1, 2], reduce((acc: string, n: number) => acc + n));
  });
});
