import { Transform } from 'node:stream';
import { TransformStream } from 'node:stream/web';
import { describe, expectTypeOf, it } from 'vitest';
import { chain, filter, flatMap, map, pipe, run, toReadable, type TypedDuplex } from '../../lib/index.js';

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
      map((x: string) => x.length),
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
});
