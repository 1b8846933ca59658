import { Readable } from 'node:stream';
import { describe, expectTypeOf, it } from 'vitest';
import { chain, pipe } from '../../lib/chain/chain.js';
import type { Operator } from '../../lib/internal/operator.js';
import type { TypedDuplex } from '../../lib/internal/types.js';
import { concat } from '../../lib/operators/concat.js';
import { decode } from '../../lib/operators/decode.js';
import { encode } from '../../lib/operators/encode.js';
import { fork } from '../../lib/operators/fork.js';
import { groupBy } from '../../lib/operators/group-by.js';
import { lines } from '../../lib/operators/lines.js';
import { map } from '../../lib/operators/map.js';
import { merge } from '../../lib/operators/merge.js';
import { ndjsonParse } from '../../lib/operators/ndjson-parse.js';
import { ndjsonStringify } from '../../lib/operators/ndjson-stringify.js';
import { peek } from '../../lib/operators/peek.js';
import { tee } from '../../lib/operators/tee.js';
import { zip } from '../../lib/operators/zip.js';

async function* numbers(): AsyncGenerator<number, void, undefined> {
  yield 1;
}

describe('text and bytes operator types', () => {
  it('lines, decode, encode, ndjson* are typed stages', () => {
    expectTypeOf(lines()).toEqualTypeOf<Operator<string | Uint8Array, string>>();
    expectTypeOf(decode()).toEqualTypeOf<Operator<string | Uint8Array, string>>();
    expectTypeOf(encode('latin1')).toEqualTypeOf<Operator<string | Uint8Array, Buffer>>();
    expectTypeOf(ndjsonStringify()).toEqualTypeOf<Operator<unknown, string>>();
    expectTypeOf(ndjsonParse()).toEqualTypeOf<Operator<string | Uint8Array, unknown>>();
    expectTypeOf(ndjsonParse<{ id: number }>()).toEqualTypeOf<Operator<string | Uint8Array, { id: number }>>();
  });

  it('infers through chain() and pipe()', () => {
    expectTypeOf(chain(lines(), map((s) => s.length))).toEqualTypeOf<TypedDuplex<string | Uint8Array, number>>();
    expectTypeOf(pipe([Buffer.from('a')], decode(), lines())).toEqualTypeOf<AsyncGenerator<string, void, undefined>>();
    expectTypeOf(pipe([{ a: 1 }], ndjsonStringify(), encode())).toEqualTypeOf<AsyncGenerator<Buffer, void, undefined>>();
  });

  it('types the onError callback', () => {
    ndjsonParse({
      onError: (err, line, lineNumber) => {
        expectTypeOf(err.lineNumber).toEqualTypeOf<number>();
        expectTypeOf(line).toEqualTypeOf<string>();
        expectTypeOf(lineNumber).toEqualTypeOf<number>();
      },
    });
    // @ts-expect-error maxLineLength is a number
    lines({ maxLineLength: '10' });
    // @ts-expect-error encoding is a Buffer encoding
    decode('klingon');
  });

  it('rejects non-text input to lines() in a pipe', () => {
    // @ts-expect-error numbers are not text or bytes
    pipe([1, 2], lines());
  });
});

describe('combining operator types', () => {
  it('merge and concat yield the union of the item types', () => {
    expectTypeOf(merge([1, 2], ['a'])).toEqualTypeOf<AsyncGenerator<number | string, void, undefined>>();
    expectTypeOf(merge(numbers(), new Set([true]))).toEqualTypeOf<AsyncGenerator<number | boolean, void, undefined>>();
    expectTypeOf(concat([1], numbers())).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
    // @ts-expect-error a number is not iterable
    merge([1], 2);
  });

  it('zip yields tuples without generic arguments', () => {
    expectTypeOf(zip([1, 2], ['a', 'b'])).toEqualTypeOf<AsyncGenerator<[number, string], void, undefined>>();
    expectTypeOf(zip(numbers(), [true], 'xy')).toEqualTypeOf<AsyncGenerator<[number, boolean, string], void, undefined>>();
    // @ts-expect-error a number is not iterable
    zip([1], 2);
  });

  it('tee and peek keep the item type', () => {
    expectTypeOf(tee(numbers(), 2)).toEqualTypeOf<AsyncGenerator<number, void, undefined>[]>();
    expectTypeOf(peek(['a'], 1)).toEqualTypeOf<Promise<[string[], AsyncGenerator<string, void, undefined>]>>();
  });

  it('groupBy yields [key, items] pairs', () => {
    expectTypeOf(groupBy((r: { day: string }) => r.day)).toEqualTypeOf<Operator<{ day: string }, [string, { day: string }[]]>>();
    expectTypeOf(groupBy(async (n: number) => n > 0)).toEqualTypeOf<Operator<number, [boolean, number[]]>>();
    expectTypeOf(pipe([1, 2], groupBy((n) => n % 2))).toEqualTypeOf<AsyncGenerator<[number, number[]], void, undefined>>();
  });

  it('fork infers the item type and a result tuple from the sinks', () => {
    const count = async (src: AsyncIterable<string>) => {
      let n = 0;
      for await (const _ of src) n++;
      return n;
    };
    const first = async (src: AsyncIterable<string>) => {
      for await (const s of src) return s;
      return undefined;
    };
    const both = fork([count, first]);
    expectTypeOf(both).toEqualTypeOf<(source: AsyncIterable<string> | Iterable<string>) => Promise<[number, string | undefined]>>();
    expectTypeOf(fork([(src: AsyncIterable<number>) => src, () => 'sync'])).returns.resolves.toEqualTypeOf<[AsyncIterable<number>, string]>();
    void Readable;
  });
});
