import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  AlreadyUsedError,
  BadJsonError,
  decode,
  encode,
  LineTooLongError,
  lines,
  ndjsonParse,
  toArray as toArrayOf,
  fromGen,
  fromReadable,
  fromWritable,
  GenstreamArgumentError,
  GenstreamError,
  InvalidChunkError,
  isAbortError,
  NotIterableError,
  NullValueError,
  toGen,
  toReadable,
  toWritable,
} from '../lib/index.js';
import { settledError, thrown } from './helpers.js';

describe('GenstreamError', () => {
  it('is an Error carrying a stable code, and its name is the class name', () => {
    const err = new GenstreamError('ERR_GENSTREAM_NULL_VALUE', 'what happened');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(GenstreamError);
    expect(err.code).toBe('ERR_GENSTREAM_NULL_VALUE');
    expect(err.name).toBe('GenstreamError');
    expect(err.message).toBe('what happened');
  });

  it('keeps a cause', () => {
    const cause = new Error('root');
    expect(new GenstreamError('ERR_GENSTREAM_BAD_JSON', 'bad', { cause }).cause).toBe(cause);
  });

  it('is the base of every genstream error, including GenstreamArgumentError (a TypeError)', () => {
    const errors = [
      new NullValueError('fromGen: stage "s"'),
      new InvalidChunkError('fromGen: stage "s"', 1),
      new AlreadyUsedError('used'),
      new NotIterableError('fromGen: stage "s"', 1),
      new GenstreamArgumentError('bad arg'),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(GenstreamError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code.startsWith('ERR_GENSTREAM_')).toBe(true);
    }
  });

  it('is not matched by user errors, Node errors or non-errors', () => {
    const nodeErr = Object.assign(new Error('x'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    for (const value of [
      new Error('plain'),
      new TypeError('plain'),
      nodeErr,
      { code: 'ERR_GENSTREAM_NULL_VALUE', message: 'not an Error' },
      'ERR_GENSTREAM_NULL_VALUE',
      null,
      undefined,
    ]) {
      expect(value instanceof GenstreamError).toBe(false);
    }
  });

  it('keeps subclass checks exact: a subclass matches only its own instances', () => {
    const nullErr = new NullValueError('x');
    expect(nullErr).toBeInstanceOf(NullValueError);
    expect(nullErr).not.toBeInstanceOf(InvalidChunkError);
    expect(nullErr).not.toBeInstanceOf(GenstreamArgumentError);
    expect(nullErr).not.toBeInstanceOf(TypeError);
    const argErr = new GenstreamArgumentError('x');
    expect(argErr).not.toBeInstanceOf(NullValueError);
    expect(new Error('x')).not.toBeInstanceOf(NullValueError);
  });
});

describe('error names and instanceof across copies of genstream', () => {
  const all = [
    ['GenstreamError', () => new GenstreamError('ERR_GENSTREAM_NULL_VALUE', 'x')],
    ['GenstreamArgumentError', () => new GenstreamArgumentError('x')],
    ['NullValueError', () => new NullValueError('x')],
    ['InvalidChunkError', () => new InvalidChunkError('x', 1)],
    ['AlreadyUsedError', () => new AlreadyUsedError('x')],
    ['NotIterableError', () => new NotIterableError('x', 1)],
    ['LineTooLongError', () => new LineTooLongError('x', 1, 1)],
    ['BadJsonError', () => new BadJsonError('x', 1, 'l', new SyntaxError('s'))],
    ['AbortError', () => new AbortError()],
  ] as const;

  it('names every error by a literal, not by the (bundler-renamable) class name', () => {
    for (const [name, make] of all) expect(make().name).toBe(name);
    // Not read from new.target: a subclass still prints as the genstream error it is.
    class MyNullError extends NullValueError {}
    expect(new MyNullError('x').name).toBe('NullValueError');
  });

  it('matches errors made by another copy of the module (the ESM/CJS dual-package hazard)', async () => {
    vi.resetModules();
    const copy = await import('../lib/internal/errors.js'); // a fresh module instance after resetModules
    expect(copy.NullValueError).not.toBe(NullValueError);
    const fromCopy = [
      new copy.NullValueError('x'),
      new copy.InvalidChunkError('x', 1),
      new copy.AlreadyUsedError('x'),
      new copy.NotIterableError('x', 1),
      new copy.LineTooLongError('x', 1, 1),
      new copy.BadJsonError('x', 1, 'l', undefined),
      new copy.GenstreamArgumentError('x'),
    ];
    for (const err of fromCopy) expect(err).toBeInstanceOf(GenstreamError);
    expect(fromCopy[0]).toBeInstanceOf(NullValueError);
    expect(fromCopy[0]).not.toBeInstanceOf(InvalidChunkError);
    expect(fromCopy[1]).toBeInstanceOf(InvalidChunkError);
    expect(fromCopy[6]).toBeInstanceOf(GenstreamArgumentError);
    expect(fromCopy[6]).not.toBeInstanceOf(NullValueError);
    expect(new copy.AbortError()).toBeInstanceOf(AbortError);
    expect(new Error('x')).not.toBeInstanceOf(AbortError);
  });

  it('reports chunk-type errors of the text operators as InvalidChunkError', async () => {
    for (const op of [lines(), decode(), ndjsonParse(), encode()]) {
      const err = await toArrayOf(op([{ not: 'text' } as never])).then(...settledError);
      expect(err).toBeInstanceOf(InvalidChunkError);
      expect((err as InvalidChunkError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
      expect((err as Error).message).toContain('an object (Object)');
    }
  });
});

describe('GenstreamArgumentError', () => {
  it('is a TypeError and a GenstreamError with code ERR_GENSTREAM_INVALID_ARG', () => {
    const err = new GenstreamArgumentError('fromGen: expected `fn` to be a function, got `1` (number)');
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toBeInstanceOf(GenstreamError);
    expect(err).toBeInstanceOf(GenstreamArgumentError);
    expect(err.code).toBe('ERR_GENSTREAM_INVALID_ARG');
    expect(err.name).toBe('GenstreamArgumentError');
  });

  it('is what every adapter throws at call time, naming the adapter and the argument', () => {
    const cases: [() => unknown, string][] = [
      [() => fromGen(1 as never), 'fromGen: expected `fn` to be a function, got `1` (number)'],
      [() => toGen(1 as never), 'toGen: expected `streamOrFactory` to be a Duplex/Transform stream or a function returning one, got `1` (number)'],
      [() => toReadable(1 as never), 'toReadable: expected `source` to be an iterable'],
      [() => fromReadable(1 as never), "fromReadable: expected `readable` to be a Readable stream or an EventEmitter emitting 'data' and 'end', got `1` (number)"],
      [() => toWritable(1 as never), 'toWritable: expected `sink` to be a function, got `1` (number)'],
      [() => fromWritable(1 as never), 'fromWritable: expected `writable` to be a Writable stream, got `1` (number)'],
    ];
    for (const [call, message] of cases) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      expect((err as Error).message).toContain(message);
    }
  });

  it('describes what was received and its type', () => {
    const messageFor = (value: unknown) => (thrown(() => fromGen(value as never)) as Error).message;
    expect(messageFor(0)).toMatch(/got `0` \(number\)$/);
    expect(messageFor(10n)).toMatch(/got `10` \(bigint\)$/);
    expect(messageFor(true)).toMatch(/got `true` \(boolean\)$/);
    expect(messageFor(Symbol('s'))).toMatch(/got `Symbol\(s\)` \(symbol\)$/);
    expect(messageFor(null)).toMatch(/got `null`$/);
    expect(messageFor(undefined)).toMatch(/got `undefined`$/);
    expect(messageFor('map')).toMatch(/got `"map"` \(string\)$/);
    expect(messageFor('x'.repeat(50))).toContain(`got \`"${'x'.repeat(40)}…"\` (string)`);
    expect(messageFor([1, 2, 3])).toMatch(/got an array \(length 3\)$/);
    expect(messageFor({})).toMatch(/got an object \(Object\)$/);
    expect(messageFor(new PassThrough())).toMatch(/got an object \(PassThrough\)$/);
    expect(messageFor(Object.create(null))).toMatch(/got an object \(Object\)$/);
    const stream = new PassThrough();
    function namedFactory() {
      return stream;
    }
    expect((thrown(() => toReadable(1 as never, { highWaterMark: namedFactory as never })) as Error).message).toMatch(
      /got function `namedFactory`$/,
    );
    const anonymous = [() => 1][0]; // an arrow in an array element gets no name
    expect((thrown(() => toReadable(1 as never, { highWaterMark: anonymous as never })) as Error).message).toMatch(
      /got an anonymous function$/,
    );
  });
});

describe('NullValueError', () => {
  it('has code ERR_GENSTREAM_NULL_VALUE and a message naming the stage and what to do', () => {
    const err = new NullValueError('fromGen: stage "parseLog"');
    expect(err.code).toBe('ERR_GENSTREAM_NULL_VALUE');
    expect(err.name).toBe('NullValueError');
    expect(err.message).toMatch(/^fromGen: stage "parseLog" yielded null or undefined; /);
    expect(err.message).toContain('wrap it');
  });
});

describe('InvalidChunkError', () => {
  it('has code ERR_GENSTREAM_INVALID_CHUNK and a message naming the stage, the value and the fix', () => {
    const err = new InvalidChunkError('toReadable: source "rows"', { id: 1 });
    expect(err.code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
    expect(err.name).toBe('InvalidChunkError');
    expect(err.message).toMatch(/^toReadable: source "rows" yielded an object \(Object\) into a byte stream; /);
    expect(err.message).toContain('objectMode');
  });
});

describe('AlreadyUsedError', () => {
  it('has code ERR_GENSTREAM_ALREADY_USED and keeps its message', () => {
    const err = new AlreadyUsedError('toGen: one-shot');
    expect(err.code).toBe('ERR_GENSTREAM_ALREADY_USED');
    expect(err.name).toBe('AlreadyUsedError');
    expect(err.message).toBe('toGen: one-shot');
  });

  it('is what toGen throws when an instance is run twice, saying it is one-shot and how to reuse', async () => {
    const stage = toGen(new PassThrough({ objectMode: true }), { name: 'parser' });
    for await (const _ of stage([])) void _;
    const err = await stage([]).next().then(...settledError);
    expect(err).toBeInstanceOf(AlreadyUsedError);
    expect((err as Error).message).toMatch(/^toGen \(parser\): .*one-shot.*pass a factory/);
  });
});

describe('NotIterableError', () => {
  it('has code ERR_GENSTREAM_NOT_ITERABLE and a message naming the stage and what it returned', () => {
    const err = new NotIterableError('fromGen: stage "broken"', Promise.resolve(1));
    expect(err.code).toBe('ERR_GENSTREAM_NOT_ITERABLE');
    expect(err.name).toBe('NotIterableError');
    expect(err.message).toMatch(/^fromGen: stage "broken" returned a Promise: an async function is not a generator stage; /);
    expect(err.message).toContain('async function*');
    expect(err.message).toContain('toWritable()');
  });

  it('names what a non-promise stage returned', () => {
    const err = new NotIterableError('fromGen: stage "broken"', 42);
    expect(err.message).toMatch(/^fromGen: stage "broken" returned `42` \(number\); /);
  });

  it('silences the dropped promise, so its later rejection is not an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const record = (reason: unknown): void => void seen.push(reason);
    process.on('unhandledRejection', record);
    try {
      const late = new Promise((_, reject) => setImmediate(() => reject(new Error('late'))));
      new NotIterableError('fromGen: stage "broken"', late);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(seen).toEqual([]);
  });
});

describe('AbortError and isAbortError', () => {
  it('is a Node-style AbortError with code ABORT_ERR and an optional cause', () => {
    const cause = new Error('shutdown');
    const err = new AbortError(undefined, { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AbortError');
    expect(err.code).toBe('ABORT_ERR');
    expect(err.message).toBe('The operation was aborted');
    expect(err.cause).toBe(cause);
    expect(err).not.toBeInstanceOf(GenstreamError); // it is Node's convention, not a genstream code
  });

  it("recognises genstream's, Node's and the DOM's AbortErrors, and nothing else", () => {
    expect(isAbortError(new AbortError())).toBe(true);
    expect(isAbortError(AbortSignal.abort().reason)).toBe(true); // a DOMException named AbortError
    expect(isAbortError(new Error('aborted'))).toBe(false);
    expect(isAbortError({ name: 'AbortError' })).toBe(false);
    expect(isAbortError(undefined)).toBe(false);
  });
});
