import { describe, expect, it } from 'vitest';
import { chain } from '../../lib/chain/chain.js';
import { pipe } from '../../lib/chain/chain.js';
import { decode } from '../../lib/operators/decode.js';
import { filter } from '../../lib/operators/filter.js';
import { lines } from '../../lib/operators/lines.js';
import { map } from '../../lib/operators/map.js';
import { ndjsonParse } from '../../lib/operators/ndjson-parse.js';
import { take } from '../../lib/operators/take.js';
import { counted, deferred, TestError, toArray, watchUnhandled } from '../helpers.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

watchUnhandled();

describe('a fused run as an async iterator', () => {
  it('serves next() calls made without awaiting in order', async () => {
    const it = map((n: number) => n * 2)([1, 2, 3]);
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(results).toEqual([
      { done: false, value: 2 },
      { done: false, value: 4 },
      { done: false, value: 6 },
      { done: true, value: undefined },
    ]);
  });

  it('return() while a pull waits on the source settles after it, and returns the source', async () => {
    const gate = deferred<void>();
    let finallies = 0;
    async function* source() {
      try {
        await gate.promise;
        yield 1;
        yield 2;
      } finally {
        finallies++;
      }
    }
    const it = map((n: number) => n)(source());
    const first = it.next();
    const closed = it.return();
    gate.resolve();
    expect(await first).toEqual({ done: false, value: 1 });
    expect(await closed).toEqual({ done: true, value: undefined });
    expect(finallies).toBe(1);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('throw(err) returns the source and rejects with err', async () => {
    const { state, source } = counted();
    const it = map((n: number) => n)(source);
    await it.next();
    const boom = new TestError('thrown in');
    await expect(it.throw(boom)).rejects.toBe(boom);
    expect(state.finallies).toBe(1);
  });

  it('hands out the items an input produced before a step failed on it, then the error', async () => {
    const out: string[] = [];
    let error: unknown;
    try {
      for await (const line of lines({ maxLineLength: 3 })(['ab\ncd\ntoo long\n'])) out.push(line);
    } catch (err) {
      error = err;
    }
    expect(out).toEqual(['ab', 'cd']);
    expect((error as Error).name).toBe('LineTooLongError');
  });

  it('an async step after lines() waits mid-chunk and keeps the order', async () => {
    const out = await toArray(pipe(['a\nb\nc\n', 'd'], lines(), map(async (l: string) => l.toUpperCase())));
    expect(out).toEqual(['A', 'B', 'C', 'D']);
  });

  it('take() after lines() stops mid-chunk and returns the source', async () => {
    const { state, source } = counted();
    const out = await toArray(pipe(map((n: number) => `${n}\n${n}\n`)(source), lines(), take(3)));
    expect(out).toEqual(['0', '0', '1']);
    expect(state.finallies).toBe(1);
  });
});

describe('text operators fused with the per-item operators around them', () => {
  it('lines → filter → ndjsonParse in one chain parses each line (not the joined text)', async () => {
    const c = chain(lines(), filter((l: string) => l !== 'skip'), ndjsonParse());
    const out: unknown[] = [];
    await pipeline(Readable.from(['1\nskip\n2\n', '3']), c, async (source: AsyncIterable<unknown>) => {
      for await (const v of source) out.push(v);
    });
    expect(out).toEqual([1, 2, 3]);
  });

  it('lines() → ndjsonParse() in pipeline parses each line', async () => {
    const out: unknown[] = [];
    await pipeline(Readable.from(['{"a":1}\n{"a":', '2}\n']), lines(), ndjsonParse(), async (source: AsyncIterable<unknown>) => {
      for await (const v of source) out.push(v);
    });
    expect(out).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('decode → lines in a chain keeps a character split across chunks', async () => {
    const bytes = Buffer.from('é\nü\n');
    const out: string[] = [];
    await pipeline(Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)]), chain(decode(), lines()), async (source: AsyncIterable<string>) => {
      for await (const l of source) out.push(l);
    });
    expect(out).toEqual(['é', 'ü']);
  });

  it('ndjsonParse awaits an async onError fused in a chain, values in order', async () => {
    const seen: string[] = [];
    const parse = ndjsonParse({
      onError: async (_err, line) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        seen.push(`bad ${line}`);
      },
    });
    const out = await toArray(pipe(['1\nx\n2\n'], map((s: string) => s), parse));
    expect(out).toEqual([1, 2]);
    expect(seen).toEqual(['bad x']);
  });
});
