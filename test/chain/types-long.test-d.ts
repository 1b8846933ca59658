/**
 * Type tests: calls longer than the old 12-stage limit still infer, with untyped lambdas typed from the
 * stage before them at every position (each body below needs its contextual type: `n.toFixed` a
 * number, `s.length` a string); past `MaxTypedArguments` arguments are still checked.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { chain, map, pipe, run, toArray, type TypedDuplex, type TypedReadable } from '../../lib/index.js';
import type { MaxTypedArguments } from '../../lib/chain/types.js';

describe('chain() types with many stages', () => {
  it('infers 13 stages', () => {
    const c = chain(
      map((n: number) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
    );
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<number, string>>();
  });

  it('infers 20 stages', () => {
    const c = chain(
      map((n: number) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
    );
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<number, number>>();
  });

  it('infers 30 stages', () => {
    const c = chain(
      map((n: number) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
    );
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<number, number>>();
  });

  it('infers 30 stages after a source', () => {
    const c = chain(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
    );
    expectTypeOf(c).toEqualTypeOf<TypedReadable<number>>();
  });

});

describe('pipe() types with many stages', () => {
  it('infers 13 stages', () => {
    const out = pipe(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
    );
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
  });

  it('infers 20 stages', () => {
    const out = pipe(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
    );
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

  it('infers 30 stages', () => {
    const out = pipe(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
    );
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

});

describe('run() types with many stages', () => {
  it('infers 13 stages into a toArray sink and an async function sink', () => {
    const all = run(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      toArray,
    );
    expectTypeOf(all).toEqualTypeOf<Promise<string[]>>();
    const last = run(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      async (source) => {
        let last: string | undefined;
        for await (const x of source) last = x;
        return last;
      },
    );
    expectTypeOf(last).toEqualTypeOf<Promise<string | undefined>>();
  });

  it('infers 20 stages into a toArray sink and an async function sink', () => {
    const all = run(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      toArray,
    );
    expectTypeOf(all).toEqualTypeOf<Promise<number[]>>();
    const last = run(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      async (source) => {
        let last: number | undefined;
        for await (const x of source) last = x;
        return last;
      },
    );
    expectTypeOf(last).toEqualTypeOf<Promise<number | undefined>>();
  });

  it('infers 30 stages into a toArray sink and an async function sink', () => {
    const all = run(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      toArray,
    );
    expectTypeOf(all).toEqualTypeOf<Promise<number[]>>();
    const last = run(
      [1, 2, 3],
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      map((n) => n.toFixed(0)),
      map((s) => s.length),
      async (source) => {
        let last: number | undefined;
        for await (const x of source) last = x;
        return last;
      },
    );
    expectTypeOf(last).toEqualTypeOf<Promise<number | undefined>>();
  });

});

describe('calls longer than MaxTypedArguments', () => {
  it('types up to 32 arguments position by position', () => {
    expectTypeOf<MaxTypedArguments>().toEqualTypeOf<32>();
  });

  it('still infers the result of 40 annotated stages', () => {
    const c = chain(
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
    );
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<number, number>>();
    const out = pipe(
      [1],
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
    );
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
    const all = run(
      [1],
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      async (source: AsyncIterable<number>) => {
        let sum = 0;
        for await (const x of source) sum += x;
        return sum;
      },
    );
    expectTypeOf(all).toEqualTypeOf<Promise<number>>();
  });

  it('still checks the item types past MaxTypedArguments', () => {
    chain(
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      // @ts-expect-error a stage taking strings where numbers flow
      map((s: string) => s.length),
    );
    pipe(
      [1],
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      // @ts-expect-error a stage taking strings where numbers flow
      map((s: string) => s.length),
    );
    void run(
      [1],
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      map((n: number) => n.toFixed(0)),
      map((s: string) => s.length),
      // @ts-expect-error a sink taking strings where numbers flow
      async (source: AsyncIterable<string>) => {
        for await (const s of source) void s;
      },
    );
  });
});
