/**
 * Type tests of chain()'s shapes: an optional options object first, an optional source first, an
 * optional sink last; what each one makes (Duplex, Readable, Writable, a stream that only runs), and
 * what cannot be where. Plus typed and untyped streams from other libraries, and run()'s sinks.
 */
import { Duplex, PassThrough, Readable, Transform, Writable } from 'node:stream';
import { ReadableStream, TransformStream, WritableStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import streamChain from 'stream-chain';
import { describe, expectTypeOf, it } from 'vitest';
import {
  chain,
  filter,
  fromGen,
  lines,
  map,
  pipe,
  run,
  toArray,
  toReadable,
  toWebReadable,
  toWritable,
  type TypedDuplex,
  type TypedReadable,
  type TypedWritable,
} from '../../lib/index.js';

interface User {
  id: number;
  name: string;
}
declare const users: User[];
const printStrings = async (source: AsyncIterable<string>): Promise<void> => {
  for await (const s of source) void s;
};

describe('chain() shapes', () => {
  it('makes a TypedDuplex of stages only', () => {
    expectTypeOf(chain(map((u: User) => u.id), filter((id) => id > 0))).toEqualTypeOf<TypedDuplex<User, number>>();
    expectTypeOf(chain(new TransformStream<string, number>())).toEqualTypeOf<TypedDuplex<string, number>>();
  });

  it('makes a TypedReadable of a source first, with the source item type flowing into the stages', () => {
    expectTypeOf(chain(users, map((u) => u.name))).toEqualTypeOf<TypedReadable<string>>();
    expectTypeOf(chain(new Set([1n]), map((n) => n * 2n))).toEqualTypeOf<TypedReadable<bigint>>();
    expectTypeOf(chain(toReadable(users), map((u) => u.id))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(new ReadableStream<User>(), map((u) => u.id))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(new globalThis.ReadableStream<User>(), map((u) => u.id))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(toWebReadable([1n]))).toEqualTypeOf<TypedReadable<bigint>>();
    const generator = async function* () {
      yield* users;
    };
    expectTypeOf(chain(generator, map((u) => u.id))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(generator(), map((u) => u.id))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(() => [1, 2], map((n) => n + 1))).toEqualTypeOf<TypedReadable<number>>();
  });

  it('takes a string or a Buffer first as one chunk', () => {
    expectTypeOf(chain('a\nb\n', lines())).toEqualTypeOf<TypedReadable<string>>();
    expectTypeOf(chain('abc', map((s) => s.toUpperCase()))).toEqualTypeOf<TypedReadable<string>>();
    expectTypeOf(chain(Buffer.from('abc'), map((b) => b.byteLength))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(new Uint8Array(4))).toEqualTypeOf<TypedReadable<Uint8Array<ArrayBuffer>>>();
  });

  it('makes a TypedWritable of a sink last: a Writable, a WritableStream or an async function', () => {
    expectTypeOf(chain(map((u: User) => u.name), toWritable(printStrings))).toEqualTypeOf<TypedWritable<User>>();
    expectTypeOf(chain(map((u: User) => u.name), new WritableStream<string>())).toEqualTypeOf<TypedWritable<User>>();
    expectTypeOf(chain(map((u: User) => u.name), new Writable())).toEqualTypeOf<TypedWritable<User>>();
    const sink = chain(
      map((u: User) => u.name),
      async (source) => {
        expectTypeOf(source).toEqualTypeOf<AsyncIterable<string>>();
        for await (const name of source) void name;
      },
    );
    expectTypeOf(sink).toEqualTypeOf<TypedWritable<User>>();
  });

  it('makes a plain Duplex (to await with finished()) of a source first and a sink last', () => {
    expectTypeOf(chain(users, map((u) => u.name), toWritable(printStrings))).toEqualTypeOf<Duplex>();
    expectTypeOf(chain(users, map((u) => u.name), printStrings)).toEqualTypeOf<Duplex>();
    expectTypeOf(chain(['a'], new WritableStream<string>())).toEqualTypeOf<Duplex>();
  });

  it('takes options first, in every shape, and counts positions after them', () => {
    expectTypeOf(chain({ name: 'ids', highWaterMark: 64 }, map((u: User) => u.id))).toEqualTypeOf<TypedDuplex<User, number>>();
    expectTypeOf(chain({ objectMode: false }, users, map((u) => u.id))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain({}, map((u: User) => u.name), printStrings)).toEqualTypeOf<TypedWritable<User>>();
    expectTypeOf(chain({ name: 'run' }, users, map((u) => u.name), printStrings)).toEqualTypeOf<Duplex>();
    // @ts-expect-error a stage taking strings after a source of users: position 1 (the options are not counted)
    chain({ name: 'x' }, users, map((s: string) => s));
  });

  it('makes one-argument chains: a source alone is a Readable, a sink alone a Writable', () => {
    expectTypeOf(chain(toReadable([1]))).toEqualTypeOf<TypedReadable<number>>();
    expectTypeOf(chain(new Writable())).toEqualTypeOf<TypedWritable<unknown>>();
    expectTypeOf(chain(printStrings)).toEqualTypeOf<TypedWritable<string>>();
  });

  it('treats a Duplex first or last as a transform stage, never as the source or the sink', () => {
    expectTypeOf(chain(new PassThrough(), map((x) => String(x)))).toEqualTypeOf<TypedDuplex<unknown, string>>();
    expectTypeOf(chain(map((n: number) => n), new PassThrough())).toEqualTypeOf<TypedDuplex<number, unknown>>();
    const parseNumber = fromGen(async function* (source: AsyncIterable<string>) {
      for await (const s of source) yield Number(s);
    });
    expectTypeOf(chain(parseNumber)).toEqualTypeOf<TypedDuplex<string, number>>();
    // A function without parameters returning a Duplex first is a stream factory, not a source.
    expectTypeOf(chain(() => new Transform(), map((x) => String(x)))).toEqualTypeOf<TypedDuplex<unknown, string>>();
  });

  it('types a stage nested in run() or pipe() from what flows into it', () => {
    expectTypeOf(run(toReadable(users), chain(map((u) => u.name)), toArray)).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(pipe(users, chain(map((u) => u.id), filter((id) => id > 1)))).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
  });

  it('rejects what cannot be where it is', () => {
    // @ts-expect-error chain() needs an argument
    chain();
    // @ts-expect-error chain() needs a stage after the options
    chain({ name: 'x' });
    // @ts-expect-error an unknown option
    chain({ nam: 'x' }, map((n: number) => n));
    // @ts-expect-error the options go first
    chain(map((n: number) => n), { name: 'x' });
    // @ts-expect-error a Readable in the middle: a source can only be the first argument
    chain(map((n: number) => n), toReadable([1]), map((n: number) => n));
    // @ts-expect-error a Web ReadableStream in the middle
    chain(map((n: number) => n), new ReadableStream<number>());
    // @ts-expect-error an array in the middle
    chain(map((n: number) => n), [1, 2]);
    // @ts-expect-error a Writable first (with more arguments): a sink can only be the last argument
    chain(new Writable(), map((n: number) => n));
    // @ts-expect-error a Writable in the middle
    chain(map((n: number) => n), new Writable(), map((n: number) => n));
    // @ts-expect-error a WritableStream in the middle
    chain(map((n: number) => n), new WritableStream<number>(), map((n: number) => n));
    // @ts-expect-error an async function (a sink) in the middle
    chain(map((n: number) => n), printStrings, map((n: number) => n));
    // @ts-expect-error mismatched item types: a source of users into a stage taking strings
    chain(users, map((s: string) => s.length));
    // @ts-expect-error mismatched item types: a sink taking strings after a stage yielding numbers
    chain(map((u: User) => u.id), toWritable(printStrings));
    // @ts-expect-error mismatched item types: a WritableStream of strings after numbers
    chain(users, map((u) => u.id), new WritableStream<string>());
    // @ts-expect-error a function first that returns neither an iterable nor a Duplex
    chain(() => 42, map((n: number) => n));
  });
});

describe('streams with and without declared chunk types', () => {
  it('flows the declared types of stream-chain chains through, with no casts', () => {
    const doubled = streamChain([(n: number) => n * 2, (n: number) => String(n)]);
    expectTypeOf(chain(map((s: string) => s.length), doubled, map((s) => s.toUpperCase()))).toEqualTypeOf<TypedDuplex<string, string>>();
    expectTypeOf(pipe([1, 2], doubled)).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
    // @ts-expect-error stream-chain's chain takes numbers, not strings
    chain(map((s: string) => s.trim()), doubled);
  });

  it('makes an untyped Node stream (csv-parse, a plain Transform) yield unknown: the next stage narrows it', () => {
    const rows = chain(parse(), map((row) => row as string[]), map((row) => row.length));
    expectTypeOf(rows).toEqualTypeOf<TypedDuplex<unknown, number>>();
    expectTypeOf(chain(new Transform(), map((x) => String(x)))).toEqualTypeOf<TypedDuplex<unknown, string>>();
    expectTypeOf(pipe(Readable.from(['a']), map((x) => String(x)))).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
    // @ts-expect-error an untyped stream yields unknown: a stage after it cannot claim to take strings
    chain(new Transform(), map((x: string) => x));
    // @ts-expect-error the same after csv-parse
    pipe(['a,b\n'], parse(), map((row: string[]) => row[0]));
  });
});

describe('an argument typed any', () => {
  it('is accepted anywhere and yields any', () => {
    const anything = null as any; // what an untyped library gives
    expectTypeOf(chain(map((n: number) => n), anything, map((s: string) => s))).toEqualTypeOf<TypedDuplex<number, string>>();
    expectTypeOf(pipe(anything, map((x) => x))).toEqualTypeOf<AsyncGenerator<any, void, undefined>>();
  });
});

describe('run() as a typed pipeline', () => {
  it('rejects a sink expecting strings when the items are numbers', () => {
    // @ts-expect-error the ids are numbers; the sink takes strings
    void run(toReadable(users), chain(map((u) => u.id)), printStrings);
    const strings: TypedWritable<string> = toWritable(printStrings);
    // @ts-expect-error the ids are numbers; the Writable takes strings
    void run(toReadable(users), chain(map((u) => u.id)), strings);
    // @ts-expect-error the ids are numbers; the WritableStream takes strings
    void run(users, map((u) => u.id), new WritableStream<string>());
    expectTypeOf(run(toReadable(users), chain(map((u) => u.name)), strings)).toEqualTypeOf<Promise<void>>();
  });

  it('takes a Web WritableStream, a Writable or a Duplex such as process.stdout as the sink', () => {
    expectTypeOf(run(users, map((u) => u.name), new WritableStream<string>())).toEqualTypeOf<Promise<void>>();
    expectTypeOf(run(users, map((u) => `${u.name}\n`), process.stdout)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(run(users, new Writable())).toEqualTypeOf<Promise<void>>();
  });

  it('rejects a sink in the middle and a stage as the sink', () => {
    // @ts-expect-error a sink in the middle of run()
    void run(users, printStrings, map((s: string) => s), toArray);
    // @ts-expect-error a Writable in the middle of run()
    void run(users, new Writable(), toArray);
    // @ts-expect-error a stage last: run() needs a sink
    void run(users, map((u) => u.id));
  });
});
