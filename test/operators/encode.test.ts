import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, type GenstreamError } from '../../lib/internal/errors.js';
import { decode } from '../../lib/operators/decode.js';
import { encode } from '../../lib/operators/encode.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

describe('encode', () => {
  it('yields nothing for an empty source', async () => {
    expect(await toArray(encode()([]))).toEqual([]);
  });

  it('encodes one string as UTF-8 by default', async () => {
    const [buf] = await toArray(encode()(['hé€']));
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf).toEqual(Buffer.from([0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac]));
  });

  it('encodes with the given encoding and round-trips with decode', async () => {
    expect(await toArray(encode('latin1')(['é']))).toEqual([Buffer.from([0xe9])]);
    expect(await toArray(encode('hex')(['ab01']))).toEqual([Buffer.from([0xab, 0x01])]);
    expect((await toArray(decode('utf16le')(encode('utf16le')(['a€', 'b'])))).join('')).toBe('a€b');
  });

  it('passes Buffers through and wraps other Uint8Arrays without copying', async () => {
    const buf = Buffer.from('x');
    const u8 = new Uint8Array([1, 2, 3]).subarray(1);
    const [a, b] = await toArray(encode()([buf, u8]));
    expect(a).toBe(buf);
    expect(Buffer.isBuffer(b)).toBe(true);
    expect([...b]).toEqual([2, 3]);
    u8[0] = 9;
    expect(b[0]).toBe(9); // same memory
  });

  it('fails on an item that is not text or bytes', async () => {
    const err = await toArray(encode()([7 as never])).catch((e: unknown) => e);
    expect((err as GenstreamError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
    expect((err as Error).message).toContain('encode: expected each item to be a string, Buffer or Uint8Array, got `7` (number)');
  });

  it('runs the source finally once when the consumer breaks early', async () => {
    let finallies = 0;
    function* source() {
      try {
        yield 'a';
        yield 'b';
      } finally {
        finallies++;
      }
    }
    for await (const _ of encode()(source())) break;
    expect(finallies).toBe(1);
  });

  it('passes a source error through as the same object', async () => {
    const boom = new TestError('boom');
    async function* source() {
      yield 'a';
      throw boom;
    }
    await expect(toArray(encode()(source()))).rejects.toBe(boom);
  });

  it('works as a stream.pipeline stage into a byte Writable', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await pipeline(Readable.from(['a€', 'b'], { objectMode: true }), encode(), sink);
    expect(Buffer.concat(chunks).toString()).toBe('a€b');
  });

  it('checks its encoding at call time', () => {
    expect(() => encode('nope' as BufferEncoding)).toThrow(GenstreamArgumentError);
    expect(() => encode(3 as never)).toThrow('encode: expected `encoding` to be a Buffer encoding such as "utf8", got `3` (number)');
  });
});
