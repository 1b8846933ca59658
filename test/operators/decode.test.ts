import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, type GenstreamError } from '../../lib/internal/errors.js';
import { decode } from '../../lib/operators/decode.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

describe('decode', () => {
  it('yields nothing for an empty source or empty chunks', async () => {
    expect(await toArray(decode()([]))).toEqual([]);
    expect(await toArray(decode()([Buffer.alloc(0), '']))).toEqual([]);
  });

  it('decodes one chunk', async () => {
    expect(await toArray(decode()([Buffer.from('héllo')]))).toEqual(['héllo']);
  });

  it('keeps a multi-byte character split across chunks whole, at every split position', async () => {
    const bytes = Buffer.from('a€b😀');
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        expect((await toArray(decode()(chunks))).join('')).toBe('a€b😀');
      }
    }
    const euro = Buffer.from('€');
    expect(await toArray(decode()([euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2)]))).toEqual(['€']);
  });

  it('accepts plain Uint8Arrays', async () => {
    expect(await toArray(decode()([new Uint8Array([0xe2, 0x82]), new Uint8Array([0xac])]))).toEqual(['€']);
  });

  it('turns an incomplete character at the end into U+FFFD', async () => {
    expect(await toArray(decode()([Buffer.from([0x61, 0xe2, 0x82])]))).toEqual(['a', '\ufffd']);
  });

  it('decodes other encodings across chunks', async () => {
    const utf16 = Buffer.from('h€', 'utf16le');
    expect((await toArray(decode('utf16le')([utf16.subarray(0, 3), utf16.subarray(3)]))).join('')).toBe('h€');
    expect((await toArray(decode('hex')([Buffer.from([0xab]), Buffer.from([0x01])]))).join('')).toBe('ab01');
    expect((await toArray(decode('base64')([Buffer.from('a'), Buffer.from('bcd')]))).join('')).toBe('YWJjZA==');
  });

  it('passes string chunks through', async () => {
    expect(await toArray(decode()(['x', Buffer.from('y'), 'z']))).toEqual(['x', 'y', 'z']);
  });

  it('fails on a chunk that is not text or bytes', async () => {
    const err = await toArray(decode()([{}] as never)).catch((e: unknown) => e);
    expect((err as GenstreamError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
    expect((err as Error).message).toContain('decode: expected each chunk to be a string, Buffer or Uint8Array, got an object (Object)');
  });

  it('runs the source finally once when the consumer breaks early', async () => {
    let finallies = 0;
    async function* source() {
      try {
        yield Buffer.from('a');
        yield Buffer.from('b');
      } finally {
        finallies++;
      }
    }
    for await (const text of decode()(source())) {
      expect(text).toBe('a');
      break;
    }
    expect(finallies).toBe(1);
  });

  it('passes a source error through as the same object', async () => {
    const boom = new TestError('boom');
    async function* source() {
      yield Buffer.from('a');
      throw boom;
    }
    await expect(toArray(decode()(source()))).rejects.toBe(boom);
  });

  it('works as a stream.pipeline stage', async () => {
    const euro = Buffer.from('5€');
    const out: string[] = [];
    await pipeline(Readable.from([euro.subarray(0, 2), euro.subarray(2)]), decode(), collect(out));
    expect(out.join('')).toBe('5€');
  });

  it('checks its encoding at call time', () => {
    expect(() => decode('klingon' as BufferEncoding)).toThrow(GenstreamArgumentError);
    expect(() => decode('klingon' as BufferEncoding)).toThrow('decode: expected `encoding` to be a Buffer encoding such as "utf8", got `"klingon"` (string)');
  });
});
