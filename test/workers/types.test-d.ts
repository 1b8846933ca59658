import { describe, expectTypeOf, it } from 'vitest';
import { batch, chain, map, pipe, run, toArray, type Operator, type TypedDuplex } from '../../lib/index.js';
import { parallelMap } from '../../lib/workers/index.js';

const url = new URL('./fixtures/double.mjs', import.meta.url);

describe('parallelMap types', () => {
  it('is an operator from the item type to the awaited result type', () => {
    expectTypeOf(parallelMap<Buffer, string>(url)).toEqualTypeOf<Operator<Buffer, string>>();
    expectTypeOf(parallelMap<number, Promise<string>>(url)).toEqualTypeOf<Operator<number, string>>();
    expectTypeOf(parallelMap(url)).toEqualTypeOf<Operator<unknown, unknown>>();
    expectTypeOf(parallelMap<number, number>('/abs/path.js', { threads: 2, ordered: false, transfer: { items: true } })).toEqualTypeOf<Operator<number, number>>();
  });

  it('carries its types through pipe, chain and run', () => {
    expectTypeOf(pipe([1, 2], parallelMap<number, string>(url), map((s) => s.length))).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
    expectTypeOf(chain(parallelMap<Buffer, string>(url), batch(100))).toEqualTypeOf<TypedDuplex<Buffer, string[]>>();
    expectTypeOf(run([1, 2], parallelMap<number, string>(url), toArray)).toEqualTypeOf<Promise<string[]>>();
  });

  it('rejects a source of the wrong type, and bad options', () => {
    // @ts-expect-error the stage takes numbers, the source yields strings
    void pipe(['a'], parallelMap<number, number>(url));
    // @ts-expect-error threads is a number
    void parallelMap(url, { threads: '2' });
    // @ts-expect-error the module is a URL or a path
    void parallelMap(42);
  });
});
