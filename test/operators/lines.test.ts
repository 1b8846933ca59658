import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { toWritable } from '../../lib/adapters/to-writable.js';
import { chain } from '../../lib/chain/chain.js';
import { GenstreamArgumentError, GenstreamError, LineTooLongError } from '../../lib/internal/errors.js';
import { lines } from '../../lib/operators/lines.js';
import { map } from '../../lib/operators/map.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

/** Every way to cut `bytes` into two chunks. */
function splits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

describe('lines', () => {
  it('yields nothing for an empty source, or for empty chunks', async () => {
    expect(await toArray(lines()([]))).toEqual([]);
    expect(await toArray(lines()(['', Buffer.alloc(0)]))).toEqual([]);
  });

  it('emits a single line without a trailing newline', async () => {
    expect(await toArray(lines()(['one']))).toEqual(['one']);
  });

  it('adds no empty line after a final newline, but keeps empty lines in between', async () => {
    expect(await toArray(lines()(['a\n']))).toEqual(['a']);
    expect(await toArray(lines()(['\n']))).toEqual(['']);
    expect(await toArray(lines()(['a\n\nb\n\n']))).toEqual(['a', '', 'b', '']);
  });

  it('splits at \\n and \\r\\n, and keeps a lone \\r inside a line', async () => {
    expect(await toArray(lines()(['a\r\nb\nc\rd\r\n']))).toEqual(['a', 'b', 'c\rd']);
  });

  it('joins a line split over many chunks', async () => {
    expect(await toArray(lines()(['he', 'll', 'o\nwo', 'rld']))).toEqual(['hello', 'world']);
  });

  it('handles a chunk boundary inside \\r\\n', async () => {
    expect(await toArray(lines()(['a\r', '\nb\r', '\n']))).toEqual(['a', 'b']);
    expect(await toArray(lines()([Buffer.from('a\r'), Buffer.from('\nb')]))).toEqual(['a', 'b']);
  });

  it('handles a chunk boundary inside a multi-byte UTF-8 character, at every position', async () => {
    const bytes = Buffer.from('x€y\n😀\r\nz');
    for (const chunks of splits(bytes)) {
      expect(await toArray(lines()(chunks))).toEqual(['x€y', '😀', 'z']);
    }
    // One byte per chunk, as plain Uint8Arrays.
    const single = [...bytes].map((b) => new Uint8Array([b]));
    expect(await toArray(lines()(single))).toEqual(['x€y', '😀', 'z']);
  });

  it('decodes bytes with options.encoding', async () => {
    expect(await toArray(lines({ encoding: 'latin1' })([Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]))).toEqual(['café']);
  });

  it('accepts string and byte chunks mixed, and sync or async sources', async () => {
    expect(await toArray(lines()([Buffer.from('a\nb'), 'c\n', Buffer.from('d')]))).toEqual(['a', 'bc', 'd']);
    function* syncGen() {
      yield 'x\ny';
    }
    expect(await toArray(lines()(syncGen()))).toEqual(['x', 'y']);
    async function* asyncGen() {
      yield Buffer.from('p\n');
      yield Buffer.from('q');
    }
    expect(await toArray(lines()(asyncGen()))).toEqual(['p', 'q']);
  });

  it('fails with LineTooLongError naming the line, after the lines before it', async () => {
    const out: string[] = [];
    let error: unknown;
    try {
      for await (const line of lines({ maxLineLength: 3 })(['ab\nabc\r\nabcd\nx'])) out.push(line);
    } catch (err) {
      error = err;
    }
    expect(out).toEqual(['ab', 'abc']);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toBeInstanceOf(GenstreamError);
    expect((error as LineTooLongError).code).toBe('ERR_GENSTREAM_LINE_TOO_LONG');
    expect((error as LineTooLongError).lineNumber).toBe(3);
    expect((error as Error).message).toContain('line 3');
    expect((error as Error).message).toContain('maxLineLength (3');
  });

  it('does not count the \\r of a \\r\\n split across chunks against maxLineLength', async () => {
    expect(await toArray(lines({ maxLineLength: 3 })(['abc\r', '\nabc']))).toEqual(['abc', 'abc']);
    await expect(toArray(lines({ maxLineLength: 3 })(['abc\r']))).rejects.toThrow(LineTooLongError);
  });

  it('stops a line that never ends instead of growing without bound, and returns the source', async () => {
    let pulled = 0;
    let finallies = 0;
    async function* endless() {
      try {
        for (;;) {
          pulled++;
          yield 'x'.repeat(100);
        }
      } finally {
        finallies++;
      }
    }
    const err = await toArray(lines({ maxLineLength: 1000 })(endless())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineTooLongError);
    expect((err as LineTooLongError).lineNumber).toBe(1);
    expect(pulled).toBe(11); // 1100 characters > 1000 + 1
    expect(finallies).toBe(1);
  });

  it('numbers the too-long line correctly across chunks', async () => {
    const err = await toArray(lines({ maxLineLength: 4 })(['a\nb', 'b\n', 'cc\n\nddd', 'dd'])).catch((e: unknown) => e);
    expect((err as LineTooLongError).lineNumber).toBe(5);
  });

  it('accepts Infinity as maxLineLength', async () => {
    const long = 'y'.repeat(2 * 1024 * 1024);
    expect(await toArray(lines({ maxLineLength: Infinity })([long, '\n']))).toEqual([long]);
    await expect(toArray(lines()([long]))).rejects.toThrow(LineTooLongError);
  });

  it('runs the source finally once when the consumer breaks early', async () => {
    let finallies = 0;
    async function* source() {
      try {
        yield 'a\nb\n';
        yield 'c\n';
      } finally {
        finallies++;
      }
    }
    for await (const line of lines()(source())) {
      expect(line).toBe('a');
      break;
    }
    expect(finallies).toBe(1);
  });

  it('passes a source error through as the same object, after the complete lines', async () => {
    const boom = new TestError('boom');
    async function* source() {
      yield 'a\npartial';
      throw boom;
    }
    const out: string[] = [];
    const err = await (async () => {
      for await (const line of lines()(source())) out.push(line);
    })().catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(out).toEqual(['a']);
  });

  it('fails on a chunk that is not text or bytes', async () => {
    const err = await toArray(lines()([42 as unknown as string])).catch((e: unknown) => e);
    expect((err as GenstreamError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
    expect((err as Error).message).toMatch(/^lines: expected each chunk .* got `42` \(number\)/);
  });

  it('reads one chunk at a time: the lines of a chunk are consumed before the next chunk is pulled', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield `${i}a\n${i}b\n`;
      }
    }
    const seen: [string, number][] = [];
    for await (const line of lines()(source())) seen.push([line, pulled]);
    expect(seen).toEqual([
      ['0a', 1],
      ['0b', 1],
      ['1a', 2],
      ['1b', 2],
      ['2a', 3],
      ['2b', 3],
    ]);
  });

  it('works as a stream.pipeline stage between a byte Readable and a sink', async () => {
    const bytes = Buffer.from('first €uro\r\nsecond\nthird');
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 13), bytes.subarray(13)]; // splits '€'
    const out: string[] = [];
    await pipeline(Readable.from(chunks), lines(), collect(out));
    expect(out).toEqual(['first €uro', 'second', 'third']);
  });

  it('works as a chain() stage next to fused operators', async () => {
    const out: number[] = [];
    await pipeline(Readable.from([Buffer.from('a\nbb\r'), Buffer.from('\nccc')]), chain(lines(), map((s) => s.length)), collect(out));
    expect(out).toEqual([1, 2, 3]);
  });

  it('fails a pipeline with the LineTooLongError', async () => {
    const sink = toWritable(async (source: AsyncIterable<string>) => {
      for await (const _ of source);
    });
    await expect(pipeline(Readable.from(['aaaa\n']), lines({ maxLineLength: 2 }), sink)).rejects.toThrow(LineTooLongError);
  });

  it('checks its arguments at call time', () => {
    expect(() => lines({ maxLineLength: 0 })).toThrow(GenstreamArgumentError);
    expect(() => lines({ maxLineLength: 0 })).toThrow('lines: expected `options.maxLineLength` to be a positive integer or Infinity, got `0` (number)');
    expect(() => lines({ encoding: 'nope' as BufferEncoding })).toThrow('`options.encoding` to be a Buffer encoding');
    expect(() => lines(null as never)).toThrow('lines: expected `options` to be an object, got `null`');
    expect(() => lines()(5 as never)).toThrow('lines stage: expected `source` to be an iterable or async iterable, got `5` (number)');
  });
});
