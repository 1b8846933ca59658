import { Transform, Writable } from 'node:stream';
import { ReadableStream, TransformStream } from 'node:stream/web';
import { describe, expectTypeOf, it } from 'vitest';
import {
  chain,
  filter,
  flatMap,
  fromGen,
  map,
  pipe,
  run,
  take,
  toArray,
  toReadable,
  toWebReadable,
  toWritable,
  type StageContext,
  type TypedDuplex,
} from '../../lib/index.js';

describe('chain() types', () => {
  it('infers through operators with no generic arguments', () => {
    const c = chain(
      map((n: number) => n * 2),
      filter((n) => n > 2),
      map((n) => String(n)),
      flatMap((s) => s.split('')),
    );
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<number, string>>();
  });

  it('infers through generator stages', () => {
    const c = chain(
      async function* (src: AsyncIterable<string>) {
        for await (const s of src) yield s.length;
      },
      map((n) => ({ n })),
    );
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<string, { n: number }>>();
  });

  it('pipe() infers from the source', () => {
    const out = pipe([1, 2, 3], map((n) => n + 1), filter((n) => n > 2), map((n) => [n]));
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<number[], void, undefined>>();
    const fromStream = pipe(toReadable(['a']), map((s) => s.toUpperCase()));
    expectTypeOf(fromStream).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
  });

  it('pipe() accepts a Web TransformStream and a Node Transform', () => {
    const out = pipe(
      [1],
      new TransformStream<number, string>(),
      new Transform({ objectMode: true }),
      map((x) => String(x).length),
    );
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

  it('infers 12 stages', () => {
    const out = pipe(
      [1],
      map((n) => n + 1),
      map((n) => String(n)),
      map((s) => s.length),
      map((n) => n > 0),
      map((b) => (b ? 'y' : 'n')),
      map((s) => [s]),
      map((a) => a.length),
      map((n) => ({ n })),
      map((o) => o.n),
      map((n) => BigInt(n)),
      map((b) => b.toString()),
      map((s) => s === '1'),
    );
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<boolean, void, undefined>>();
  });

  it('run() resolves with the sink result', () => {
    const r = run([1, 2], map((n) => n * 2), async (src) => {
      let sum = 0;
      for await (const n of src) sum += n;
      return sum;
    });
    expectTypeOf(r).toEqualTypeOf<Promise<number>>();
  });

  it('rejects a mismatched stage', () => {
    // @ts-expect-error a stage expecting strings after a stage producing numbers
    pipe([1, 2], map((n: number) => n * 2), map((s: string) => s.length));
  });

  it('narrows with a type-guard filter', () => {
    const isString = (x: string | number): x is string => typeof x === 'string';
    const c = chain(map((x: string | number) => x), filter(isString), map((s) => s.toUpperCase()));
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<string | number, string>>();
    const out = pipe([1, 'a'] as (string | number)[], filter(isString));
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
  });

  it('flattens arrays, iterables and async results in flatMap, and keeps strings whole', () => {
    expectTypeOf(chain(map((n: number) => [n, n]), flatMap((a) => a))).toEqualTypeOf<TypedDuplex<number, number>>();
    expectTypeOf(pipe([1], flatMap(async (n) => [String(n)]))).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
    expectTypeOf(pipe([1], flatMap((n) => new Set([n > 0])))).toEqualTypeOf<AsyncGenerator<boolean, void, undefined>>();
    expectTypeOf(
      pipe(
        [1],
        flatMap(async function* (n) {
          yield { n };
        }),
      ),
    ).toEqualTypeOf<AsyncGenerator<{ n: number }, void, undefined>>();
    expectTypeOf(pipe([1], flatMap((n) => `${n}`))).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
  });

  it('unwraps async map results', () => {
    expectTypeOf(pipe(['ab'], map(async (s) => s.length))).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

  it('types TransformStream stages in chain() from their type parameters', () => {
    expectTypeOf(chain(new TransformStream<string, number>())).toEqualTypeOf<TypedDuplex<string, number>>();
    const c = chain(map((s: string) => s.trim()), new TransformStream<string, number>(), map((n) => n + 1));
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<string, number>>();
  });

  it('infers through a typed Duplex stage (fromGen, another chain) and types ctx in generator stages', () => {
    const parseNumber = fromGen(async function* (source: AsyncIterable<string>) {
      for await (const s of source) yield Number(s);
    });
    expectTypeOf(chain(parseNumber, map((n) => n > 0))).toEqualTypeOf<TypedDuplex<string, boolean>>();
    const inner = chain(map((n: number) => [n]));
    expectTypeOf(pipe([1, 2], inner, map((a) => a.length))).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
    pipe([1], async function* (source, ctx) {
      expectTypeOf(ctx).toEqualTypeOf<StageContext>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      for await (const n of source) yield n;
    });
  });

  it('makes an untyped Node stream or stream factory yield unknown: the stage after it narrows', () => {
    const c = chain(new Transform({ objectMode: true }), map((row) => (row as string[]).length));
    expectTypeOf(c).toEqualTypeOf<TypedDuplex<unknown, number>>();
    const out = pipe(['a,b\n'], () => new Transform({ objectMode: true }), map((row) => (row as string[])[0]));
    expectTypeOf(out).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
    // @ts-expect-error a stage after an untyped stream cannot claim to take strings (it receives unknown)
    chain(new Transform({ objectMode: true }), map((row: string[]) => row.length));
    // @ts-expect-error the same after a stream factory
    pipe(['a,b\n'], () => new Transform({ objectMode: true }), map((row: string[]) => row[0]));
  });

  it('infers the item type of pipe() sources: Web ReadableStream, generator function, typed Readable', () => {
    expectTypeOf(pipe(new ReadableStream<string>())).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
    expectTypeOf(pipe(toWebReadable([1n]))).toEqualTypeOf<AsyncGenerator<bigint, void, undefined>>();
    expectTypeOf(
      pipe(async function* () {
        yield { id: 1 };
      }),
    ).toEqualTypeOf<AsyncGenerator<{ id: number }, void, undefined>>();
    expectTypeOf(pipe(toReadable([true]), take(1))).toEqualTypeOf<AsyncGenerator<boolean, void, undefined>>();
  });

  it('resolves run() with what toArray or a sync sink returns, and with void for a Writable sink', () => {
    expectTypeOf(run([1], map((n) => String(n)), toArray)).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(run([1], () => 'done' as const)).toEqualTypeOf<Promise<'done'>>();
    expectTypeOf(run([1], map((n) => n), new Writable())).toEqualTypeOf<Promise<void>>();
    const sink = toWritable(async (source: AsyncIterable<number>) => {
      for await (const n of source) void n;
    });
    expectTypeOf(run([1], map((n) => n + 1), sink)).toEqualTypeOf<Promise<void>>();
  });

  it('infers beyond 12 stages (see types-long.test-d.ts)', () => {
    const m = map((x: number) => x + 1);
    expectTypeOf(chain(m, m, m, m, m, m, m, m, m, m, m, m, m)).toEqualTypeOf<TypedDuplex<number, number>>();
  });

  it('rejects what is not a stage, a source or a sink', () => {
    // @ts-expect-error a number is not a stage
    chain(map((n: number) => n), 5);
    // @ts-expect-error a plain object is not a stage
    chain({});
    // @ts-expect-error a Readable can only be a source (the first argument)
    chain(map((n: number) => n), toReadable([1]));
    // @ts-expect-error a Writable can only be a sink (the last argument)
    chain(new Writable(), map((n: number) => n));
    // @ts-expect-error a number is not a source
    pipe(42, map((n: number) => n));
    // @ts-expect-error a Writable is not a source
    pipe(new Writable());
    // @ts-expect-error a number is not a stage
    pipe([1], 5);
    // @ts-expect-error a number is not a sink
    void run([1], 42);
    // @ts-expect-error a number is not a sink, after a stage
    void run([1], map((n: number) => n), 42);
    // @ts-expect-error an operator is a stage, not a sink: run() needs a function that consumes the output
    void run([1], map((n: number) => n), map((n: number) => n + 1));
    // @ts-expect-error a generator stage is not a sink
    void run([1], async function* (source: AsyncIterable<number>) {
      yield* source;
    });
    // A sink returning an array (or anything but an async iterable) is fine.
    expectTypeOf(run([1], (source) => [source])).toEqualTypeOf<Promise<AsyncGenerator<number, void, undefined>[]>>();
  });

  it('rejects mismatched stages in chain() and run(), and a mismatched TransformStream in chain()', () => {
    // @ts-expect-error a stage expecting strings after a stage producing numbers
    chain(map((n: number) => n * 2), map((s: string) => s.length));
    // @ts-expect-error a TransformStream of strings after a stage producing numbers
    chain(map((n: number) => n * 2), new TransformStream<string, string>());
    // @ts-expect-error a generator stage expecting strings after a stage producing numbers
    chain(map((n: number) => n), async function* (source: AsyncIterable<string>) {
      yield* source;
    });
    // @ts-expect-error a stage expecting strings in run()
    void run([1], map((s: string) => s.length), toArray);
    // @ts-expect-error a sink expecting strings after a stage producing numbers
    void run([1], map((n: number) => n), async (source: AsyncIterable<string>) => {
      for await (const s of source) void s;
    });
  });
});
