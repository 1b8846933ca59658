import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { chain } from '../../lib/chain/chain.js';
import { GenstreamError } from '../../lib/internal/errors.js';
import { ndjsonParse } from '../../lib/operators/ndjson-parse.js';
import { ndjsonStringify } from '../../lib/operators/ndjson-stringify.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

describe('ndjsonStringify', () => {
  it('yields nothing for an empty source', async () => {
    expect(await toArray(ndjsonStringify()([]))).toEqual([]);
  });

  it('writes one item as one JSON line', async () => {
    expect(await toArray(ndjsonStringify()([{ a: 'b' }]))).toEqual(['{"a":"b"}\n']);
  });

  it('writes any JSON value, escaping newlines inside strings, and round-trips with ndjsonParse', async () => {
    const values = [1, 'two\nlines', null, [true, { x: 'é€' }], { d: new Date(0) }];
    const text = await toArray(ndjsonStringify()(values));
    expect(text).toEqual(['1\n', '"two\\nlines"\n', 'null\n', '[true,{"x":"é€"}]\n', '{"d":"1970-01-01T00:00:00.000Z"}\n']);
    expect(await toArray(ndjsonParse()(text))).toEqual([1, 'two\nlines', null, [true, { x: 'é€' }], { d: '1970-01-01T00:00:00.000Z' }]);
  });

  it('fails on an item JSON cannot represent, naming its index', async () => {
    const err = await toArray(ndjsonStringify()([1, undefined])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenstreamError);
    expect((err as GenstreamError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
    expect((err as Error).message).toContain('ndjsonStringify: item 1 is `undefined`');
  });

  it("passes JSON.stringify's own error through", async () => {
    const err = await toArray(ndjsonStringify()([{ n: 1n }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/BigInt/);
  });

  it('passes an error from toJSON through as the same object', async () => {
    const boom = new TestError('toJSON failed');
    const value = {
      toJSON() {
        throw boom;
      },
    };
    await expect(toArray(ndjsonStringify()([value]))).rejects.toBe(boom);
  });

  it('runs the source finally once when the consumer breaks early', async () => {
    let finallies = 0;
    async function* source() {
      try {
        yield 1;
        yield 2;
      } finally {
        finallies++;
      }
    }
    for await (const line of ndjsonStringify()(source())) {
      expect(line).toBe('1\n');
      break;
    }
    expect(finallies).toBe(1);
  });

  it('passes a source error through as the same object', async () => {
    const boom = new TestError('boom');
    async function* source() {
      yield 1;
      throw boom;
    }
    await expect(toArray(ndjsonStringify()(source()))).rejects.toBe(boom);
  });

  it('works as a stream.pipeline stage into a byte Writable', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await pipeline(Readable.from([{ id: 1 }, { id: 2 }]), ndjsonStringify(), sink);
    expect(Buffer.concat(chunks).toString()).toBe('{"id":1}\n{"id":2}\n');
  });

  it('fuses in chain()', async () => {
    const out: string[] = [];
    await pipeline(Readable.from([{ a: 1 }]), chain(ndjsonStringify()), async (source: AsyncIterable<string>) => {
      for await (const s of source) out.push(s);
    });
    expect(out).toEqual(['{"a":1}\n']);
  });
});
