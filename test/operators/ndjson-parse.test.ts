import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { BadJsonError, GenstreamArgumentError, GenstreamError, LineTooLongError } from '../../lib/internal/errors.js';
import { ndjsonParse } from '../../lib/operators/ndjson-parse.js';
import { collect, TestError, toArray, watchUnhandled, settledError } from '../helpers.js';

watchUnhandled();

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('ndjsonParse', () => {
  it('yields nothing for an empty source or only blank lines', async () => {
    expect(await toArray(ndjsonParse()([]))).toEqual([]);
    expect(await toArray(ndjsonParse()(['\n', '  \r\n', '\t\n']))).toEqual([]);
  });

  it('parses one value without a trailing newline', async () => {
    expect(await toArray(ndjsonParse()(['{"a":1}']))).toEqual([{ a: 1 }]);
  });

  it('parses one value per line, across chunks, skipping blank lines', async () => {
    const chunks = ['{"a":', '1}\n\n[1,', '2]\r\n  \n"s"\n', 'null\n3.5\ntrue\n'];
    expect(await toArray(ndjsonParse()(chunks))).toEqual([{ a: 1 }, [1, 2], 's', null, 3.5, true]);
  });

  it('parses bytes with multi-byte characters split across chunks, and ignores a leading BOM', async () => {
    const bytes = Buffer.from('\ufeff{"price":"5€"}\n{"emoji":"😀"}\n');
    for (let i = 0; i <= bytes.length; i++) {
      const values = await toArray(ndjsonParse()([bytes.subarray(0, i), bytes.subarray(i)]));
      expect(values).toEqual([{ price: '5€' }, { emoji: '😀' }]);
    }
  });

  it('fails with BadJsonError naming the line number, with an excerpt and the SyntaxError as cause', async () => {
    // Line 4 is bad; blank lines count, and the lines are split across chunks.
    const chunks = ['{"ok":1}\n', '\n{"ok"', ':2}\n{"bad": tru', 'e x}\n{"ok":3}\n'];
    const seen: unknown[] = [];
    const err = await failure(
      (async () => {
        for await (const value of ndjsonParse()(chunks)) seen.push(value);
      })(),
    );
    expect(seen).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(err).toBeInstanceOf(BadJsonError);
    expect(err).toBeInstanceOf(GenstreamError);
    const bad = err as BadJsonError;
    expect(bad.code).toBe('ERR_GENSTREAM_BAD_JSON');
    expect(bad.lineNumber).toBe(4);
    expect(bad.message).toContain('ndjsonParse: line 4 is not valid JSON');
    expect(bad.message).toContain('"{\\"bad\\": true x}"');
    expect(bad.message).toContain('onError');
    expect(bad.cause).toBeInstanceOf(SyntaxError);
  });

  it('keeps the excerpt of a long bad line short', async () => {
    const err = (await failure(toArray(ndjsonParse()([`{${'x'.repeat(5000)}\n`])))) as BadJsonError;
    expect(err.lineNumber).toBe(1);
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).toContain('…');
  });

  it('numbers lines right when the bad line is the last one, without a newline', async () => {
    const err = (await failure(toArray(ndjsonParse()(['1\n2\n', '\n', 'oops'])))) as BadJsonError;
    expect(err.lineNumber).toBe(4);
  });

  it('with onError, skips bad lines and reports each with its line and number', async () => {
    const reported: [string, number, unknown][] = [];
    const parse = ndjsonParse({
      onError: (err, line, lineNumber) => {
        reported.push([line, lineNumber, err]);
      },
    });
    expect(await toArray(parse(['1\n{oops\n', '3\n\nnope\n', '6']))).toEqual([1, 3, 6]);
    expect(reported.map(([line, n]) => [line, n])).toEqual([
      ['{oops', 2],
      ['nope', 5],
    ]);
    expect(reported[0][2]).toBeInstanceOf(BadJsonError);
    expect((reported[1][2] as BadJsonError).lineNumber).toBe(5);
  });

  it('awaits an async onError before the next line, values in order', async () => {
    const events: string[] = [];
    const parse = ndjsonParse({
      onError: async (_err, line) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`error ${line}`);
      },
    });
    for await (const value of parse(['1\nbad\n2\n'])) events.push(`value ${String(value)}`);
    // Fused, a chunk's values are handed on together once the chunk is done: the value before the bad
    // line may reach the loop after onError ran, but the value after it only once onError settled.
    expect(events.filter((e) => e.startsWith('value'))).toEqual(['value 1', 'value 2']);
    expect(events.indexOf('error bad')).toBeLessThan(events.indexOf('value 2'));
    expect(events).toHaveLength(3);
  });

  it('passes an error thrown by onError through as the same object, and returns the source', async () => {
    const boom = new TestError('from onError');
    let finallies = 0;
    async function* source() {
      try {
        yield '1\nbad\n';
        yield '3\n';
      } finally {
        finallies++;
      }
    }
    const parse = ndjsonParse({
      onError: () => {
        throw boom;
      },
    });
    expect(await failure(toArray(parse(source())))).toBe(boom);
    expect(finallies).toBe(1);
  });

  it('applies the reviver', async () => {
    const parse = ndjsonParse({ reviver: (key, value) => (key === 'at' ? new Date(value as string) : value) });
    const [value] = await toArray(parse(['{"at":"2020-01-01T00:00:00.000Z"}']));
    expect((value as { at: Date }).at).toBeInstanceOf(Date);
  });

  it('applies maxLineLength like lines()', async () => {
    const err = (await failure(toArray(ndjsonParse({ maxLineLength: 5 })(['[1]\n[1,2,3]\n'])))) as LineTooLongError;
    expect(err).toBeInstanceOf(LineTooLongError);
    expect(err.lineNumber).toBe(2);
    expect(err.message).toContain('ndjsonParse: line 2');
  });

  it('runs the source finally once when the consumer breaks early', async () => {
    let finallies = 0;
    async function* source() {
      try {
        yield '1\n2\n';
        yield '3\n';
      } finally {
        finallies++;
      }
    }
    for await (const value of ndjsonParse()(source())) {
      expect(value).toBe(1);
      break;
    }
    expect(finallies).toBe(1);
  });

  it('returns a sync source too when it stops early', async () => {
    let finallies = 0;
    function* source() {
      try {
        yield '1\n';
        yield '2\n';
      } finally {
        finallies++;
      }
    }
    for await (const _ of ndjsonParse()(source())) break;
    expect(finallies).toBe(1);
  });

  it('passes a source error through as the same object, after the values before it', async () => {
    const boom = new TestError('boom');
    const seen: unknown[] = [];
    async function* source() {
      yield '1\n2';
      throw boom;
    }
    const err = await failure(
      (async () => {
        for await (const value of ndjsonParse()(source())) seen.push(value);
      })(),
    );
    expect(err).toBe(boom);
    expect(seen).toEqual([1]);
  });

  it('reads one chunk at a time', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield `${i}\n${i}\n`;
      }
    }
    const seen: [unknown, number][] = [];
    for await (const value of ndjsonParse()(source())) seen.push([value, pulled]);
    expect(seen).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
      [1, 2],
      [2, 3],
      [2, 3],
    ]);
  });

  it('works as a stream.pipeline stage', async () => {
    const out: unknown[] = [];
    await pipeline(Readable.from([Buffer.from('{"n":1}\n{"n"'), Buffer.from(':2}\n')]), ndjsonParse(), collect(out));
    expect(out).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('fails a pipeline with the BadJsonError', async () => {
    const out: unknown[] = [];
    const err = (await failure(pipeline(Readable.from(['1\n', '2\n', 'x\n']), ndjsonParse(), collect(out)))) as BadJsonError;
    expect(err).toBeInstanceOf(BadJsonError);
    expect(err.lineNumber).toBe(3);
  });

  it('checks its arguments at call time', () => {
    expect(() => ndjsonParse({ onError: 'skip' as never })).toThrow(GenstreamArgumentError);
    expect(() => ndjsonParse({ onError: 'skip' as never })).toThrow('ndjsonParse: expected `options.onError` to be a function');
    expect(() => ndjsonParse({ maxLineLength: -1 })).toThrow('ndjsonParse: expected `options.maxLineLength`');
    expect(() => ndjsonParse({ reviver: 1 as never })).toThrow('`options.reviver` to be a function');
  });
});

describe('ndjsonParse after lines()', () => {
  it('parses each line of lines() as one value instead of joining them (pipe)', async () => {
    const { pipe, lines, filter, take } = await import('../../lib/index.js');
    expect(await toArray(pipe(['1\n2\n3\n'], lines(), ndjsonParse()))).toEqual([1, 2, 3]);
    expect(await toArray(pipe(['1\n\n2\n3\n4\n'], lines(), filter((l: string) => l !== '3'), take(4), ndjsonParse()))).toEqual([1, 2, 4]);
  });

  it('parses each line in stream.pipeline and inside chain()', async () => {
    const { chain, lines, toReadable } = await import('../../lib/index.js');
    const out: unknown[] = [];
    await pipeline(toReadable(['10\n2', '0\n30\n']), lines(), ndjsonParse(), collect(out));
    expect(out).toEqual([10, 20, 30]);
    const out2: unknown[] = [];
    await pipeline(toReadable(['1\n2\n']), chain(lines(), ndjsonParse()), collect(out2));
    expect(out2).toEqual([1, 2]);
  });

  it('numbers the lines of a bad one in BadJsonError', async () => {
    const { pipe, lines } = await import('../../lib/index.js');
    const err = await toArray(pipe(['1\n{oops\n3\n'], lines(), ndjsonParse())).then(...settledError);
    expect(err).toBeInstanceOf(BadJsonError);
    expect((err as BadJsonError).lineNumber).toBe(2);
  });
});

describe('ndjsonParse after lines() and a map', () => {
  it('reads the items of a map after lines() as text again: a map may change what an item is', async () => {
    const { pipe, lines, map } = await import('../../lib/index.js');
    // map turns each line into two lines of text: the items are text chunks, not lines, and are parsed as such.
    const twice = (l: string): string => `${l}\n${l}0\n`;
    expect(await toArray(pipe(['1\n2\n'], lines(), map(twice), ndjsonParse()))).toEqual([1, 10, 2, 20]);
    const { filter, take } = await import('../../lib/index.js');
    expect(await toArray(pipe(['1\n2\n'], lines(), filter(() => true), map(twice), take(5), ndjsonParse()))).toEqual([1, 10, 2, 20]);
  });
});
