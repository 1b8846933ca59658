/**
 * genstream's own errors. User errors always pass through untouched (same object); these are only
 * for what genstream itself detects. Every one has a stable `code` starting with `ERR_GENSTREAM_`.
 */

/**
 * Stable error codes raised by genstream itself, one per error class: `ERR_GENSTREAM_INVALID_ARG`
 * {@link GenstreamArgumentError}, `ERR_GENSTREAM_NULL_VALUE` {@link NullValueError},
 * `ERR_GENSTREAM_INVALID_CHUNK` {@link InvalidChunkError}, `ERR_GENSTREAM_ALREADY_USED`
 * {@link AlreadyUsedError}, `ERR_GENSTREAM_NOT_ITERABLE` {@link NotIterableError},
 * `ERR_GENSTREAM_LINE_TOO_LONG` {@link LineTooLongError}, `ERR_GENSTREAM_BAD_JSON` {@link BadJsonError},
 * `ERR_GENSTREAM_EMPTY_SOURCE` {@link EmptySourceError}; from genstream/workers,
 * `ERR_GENSTREAM_WORKER_LOAD` (`WorkerLoadError`), `ERR_GENSTREAM_WORKER_CRASHED` (`WorkerCrashError`)
 * and `ERR_GENSTREAM_DATA_CLONE` (`WorkerCloneError`).
 */
export type GenstreamErrorCode =
  | 'ERR_GENSTREAM_INVALID_ARG'
  | 'ERR_GENSTREAM_NULL_VALUE'
  | 'ERR_GENSTREAM_INVALID_CHUNK'
  | 'ERR_GENSTREAM_ALREADY_USED'
  | 'ERR_GENSTREAM_NOT_ITERABLE'
  | 'ERR_GENSTREAM_LINE_TOO_LONG'
  | 'ERR_GENSTREAM_BAD_JSON'
  | 'ERR_GENSTREAM_EMPTY_SOURCE'
  | 'ERR_GENSTREAM_WORKER_LOAD'
  | 'ERR_GENSTREAM_WORKER_CRASHED'
  | 'ERR_GENSTREAM_DATA_CLONE';

const CODE_PREFIX = 'ERR_GENSTREAM_';

/**
 * Recognises an error made by any copy of genstream (the ESM and the CJS build loaded side by side, or
 * two installed versions): by its stable `code`, not by its prototype. Used by every error class's
 * `Symbol.hasInstance`, so `err instanceof NullValueError` holds across copies.
 */
function hasCode(value: unknown, matches: (code: string) => boolean): boolean {
  if (!(value instanceof Error)) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' && matches(code);
}

/**
 * Base class of every error genstream raises itself. `err instanceof GenstreamError` is also true for
 * {@link GenstreamArgumentError}, which extends `TypeError` so argument checks stay `TypeError`s.
 *
 * `instanceof` checks go by `err.code` (every genstream code starts with `ERR_GENSTREAM_`), so they
 * hold across copies of the package (an error thrown by the CommonJS build is `instanceof` the ESM
 * class). Matching on `err.code` directly is the most portable check of all.
 *
 * @example
 * ```ts
 * import { GenstreamError, lines, toArray } from 'genstream';
 *
 * try {
 *   await toArray(lines()([42 as never])); // not a string or bytes
 * } catch (err) {
 *   if (err instanceof GenstreamError) console.error(err.code); // 'ERR_GENSTREAM_INVALID_CHUNK'
 * }
 * ```
 *
 * @property code - The stable code of the error (see {@link GenstreamErrorCode}); each subclass has its own.
 */
export class GenstreamError extends Error {
  /** The stable code ({@link GenstreamErrorCode}), one per subclass: the most portable check. */
  readonly code: GenstreamErrorCode;
  constructor(code: GenstreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // A literal per class (not `new.target.name`): bundlers rename classes (`_GenstreamError`).
    this.name = 'GenstreamError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === GenstreamError) return hasCode(value, (code) => code.startsWith(CODE_PREFIX));
    // A subclass: match its own code (set by `codeOf`), across copies too.
    const own = codes.get(this);
    if (own !== undefined) return hasCode(value, (code) => code === own);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** The code of each genstream error subclass, for `instanceof` by code. */
const codes = new Map<unknown, string>();

/**
 * Registers the code of a {@link GenstreamError} subclass defined outside this module (genstream/workers),
 * so `instanceof` matches it by code across copies of the package as it does for the classes here.
 */
export function registerErrorCode(cls: abstract new (...args: never[]) => GenstreamError, code: GenstreamErrorCode): void {
  codes.set(cls, code);
}

/**
 * A bad argument at call time: a non-function where a stage is expected, a non-stream where a stream is
 * expected, a non-iterable source, an out-of-range option. Code `ERR_GENSTREAM_INVALID_ARG`. Thrown
 * synchronously by the call that got the argument; the message names the argument and shows what was
 * received.
 *
 * @example
 * ```ts
 * import { batch, GenstreamArgumentError } from 'genstream';
 *
 * try {
 *   batch(0);
 * } catch (err) {
 *   if (err instanceof GenstreamArgumentError) console.error(err.message);
 *   // batch: expected `size` to be a positive integer, got `0` (number)
 * }
 * ```
 *
 * @property code - Always `'ERR_GENSTREAM_INVALID_ARG'`.
 */
export class GenstreamArgumentError extends TypeError {
  /** Always `'ERR_GENSTREAM_INVALID_ARG'`. */
  readonly code = 'ERR_GENSTREAM_INVALID_ARG' as const;
  constructor(message: string) {
    super(message);
    this.name = 'GenstreamArgumentError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasCode(value, (code) => code === 'ERR_GENSTREAM_INVALID_ARG');
  }
}

/**
 * A stage or source yielded `null` or `undefined` into an object-mode stream, where `null` would mean
 * end-of-stream. Code `ERR_GENSTREAM_NULL_VALUE`. The stream is destroyed with it.
 *
 * @example
 * ```ts
 * import { NullValueError, toReadable } from 'genstream';
 *
 * try {
 *   for await (const item of toReadable([1, null])) console.log(item); // 1
 * } catch (err) {
 *   if (err instanceof NullValueError) console.error(err.code); // 'ERR_GENSTREAM_NULL_VALUE'
 * }
 * ```
 */
export class NullValueError extends GenstreamError {
  constructor(where: string) {
    super(
      'ERR_GENSTREAM_NULL_VALUE',
      `${where} yielded null or undefined; object streams cannot carry null (it means end-of-stream) — ` +
        'skip the value or wrap it, e.g. { value: null }',
    );
    this.name = 'NullValueError';
  }
}
codes.set(NullValueError, 'ERR_GENSTREAM_NULL_VALUE');

/**
 * A value that is not a Buffer, Uint8Array or string met a byte stream or a text operator: a stage
 * yielded it into a byte-mode readable side, it was written into a byte-mode writable side, or it
 * reached `lines()`/`decode()`/`ndjsonParse()`/`encode()`. Code `ERR_GENSTREAM_INVALID_CHUNK`.
 *
 * @example
 * ```ts
 * import { InvalidChunkError, lines, toArray } from 'genstream';
 *
 * try {
 *   await toArray(lines()([{ text: 'a' } as never]));
 * } catch (err) {
 *   if (err instanceof InvalidChunkError) console.error(err.message);
 * }
 * ```
 */
export class InvalidChunkError extends GenstreamError {
  /**
   * `where` names the stage; `message`, when given, replaces the default text (which says the stage
   * yielded `got` into a byte stream).
   */
  constructor(where: string, got: unknown, message?: string) {
    super(
      'ERR_GENSTREAM_INVALID_CHUNK',
      message ??
        `${where} yielded ${describe(got)} into a byte stream; byte streams carry Buffer, Uint8Array or ` +
          'string chunks — set objectMode (or readableObjectMode) to carry other values',
    );
    this.name = 'InvalidChunkError';
  }
}
codes.set(InvalidChunkError, 'ERR_GENSTREAM_INVALID_CHUNK');

/**
 * A one-shot object was used a second time: a finished genstream stream piped into a new pipeline, a
 * `toGen(stream)` stage over a stream instance run twice, a `fromWritable` sink called again after it
 * ended its Writable, a `fromRedisStream` source iterated twice. Code `ERR_GENSTREAM_ALREADY_USED`.
 *
 * @example
 * ```ts
 * import { Writable } from 'node:stream';
 * import { AlreadyUsedError, fromWritable } from 'genstream';
 *
 * const write = fromWritable(new Writable({ write: (_chunk, _enc, cb) => cb() }));
 * await write(['a']);
 * await write(['b']).catch((err) => console.error(err instanceof AlreadyUsedError)); // true
 * ```
 */
export class AlreadyUsedError extends GenstreamError {
  constructor(message: string) {
    super('ERR_GENSTREAM_ALREADY_USED', message);
    this.name = 'AlreadyUsedError';
  }
}
codes.set(AlreadyUsedError, 'ERR_GENSTREAM_ALREADY_USED');

/**
 * A stage returned something that is neither an async iterable nor an iterable — most often a Promise,
 * because an `async function` was used where an `async function*` belongs.
 * Code `ERR_GENSTREAM_NOT_ITERABLE`.
 *
 * @example
 * ```ts
 * import { fromGen, NotIterableError, toReadable } from 'genstream';
 *
 * const notAGenerator = async (source: AsyncIterable<number>) => source; // should be async function*
 * try {
 *   for await (const n of toReadable([1]).pipe(fromGen(notAGenerator as never))) console.log(n);
 * } catch (err) {
 *   if (err instanceof NotIterableError) console.error(err.message);
 * }
 * ```
 */
export class NotIterableError extends GenstreamError {
  constructor(where: string, got: unknown) {
    super(
      'ERR_GENSTREAM_NOT_ITERABLE',
      isThenable(got)
        ? `${where} returned a Promise: an async function is not a generator stage; write it as an ` +
            '`async function*` that yields its output (a function that only consumes its source is a sink: ' +
            'use it with toWritable() or as the last argument of run())'
        : `${where} returned ${describe(got)}; a generator stage must return an async iterable or an ` +
            'iterable (write it as an async function*)',
    );
    this.name = 'NotIterableError';
    // The Promise is dropped: if it rejects later (its source fails when the stream is destroyed),
    // that must not become an unhandled rejection.
    if (isThenable(got)) got.then(undefined, () => {});
  }
}
codes.set(NotIterableError, 'ERR_GENSTREAM_NOT_ITERABLE');

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value != null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * A line grew past the `maxLineLength` of `lines()` or `ndjsonParse()` — usually input that is not
 * line-delimited, or a runaway line. Code `ERR_GENSTREAM_LINE_TOO_LONG`. `lineNumber` is 1-based.
 *
 * @example
 * ```ts
 * import { LineTooLongError, lines, toArray } from 'genstream';
 *
 * try {
 *   await toArray(lines({ maxLineLength: 4 })(['ok\n', 'much too long\n']));
 * } catch (err) {
 *   if (err instanceof LineTooLongError) console.error(err.lineNumber, err.maxLineLength); // 2 4
 * }
 * ```
 */
export class LineTooLongError extends GenstreamError {
  /** 1-based number of the offending line. */
  readonly lineNumber: number;
  /** The limit that was exceeded, in UTF-16 code units (characters). */
  readonly maxLineLength: number;
  constructor(where: string, lineNumber: number, maxLineLength: number) {
    super(
      'ERR_GENSTREAM_LINE_TOO_LONG',
      `${where}: line ${lineNumber} is longer than maxLineLength (${maxLineLength} characters); check that the ` +
        'input is line-delimited text, or raise { maxLineLength } if such long lines are expected',
    );
    this.name = 'LineTooLongError';
    this.lineNumber = lineNumber;
    this.maxLineLength = maxLineLength;
  }
}
codes.set(LineTooLongError, 'ERR_GENSTREAM_LINE_TOO_LONG');

/**
 * A line of an NDJSON stream is not valid JSON. Code `ERR_GENSTREAM_BAD_JSON`. The message names the
 * 1-based line number and shows the start of the line; `cause` is the `SyntaxError` from `JSON.parse`.
 * `ndjsonParse({ onError })` skips such lines instead.
 *
 * @example
 * ```ts
 * import { BadJsonError, ndjsonParse, toArray } from 'genstream';
 *
 * try {
 *   await toArray(ndjsonParse()(['{"a":1}\n{oops\n']));
 * } catch (err) {
 *   if (err instanceof BadJsonError) console.error(err.lineNumber); // 2
 * }
 * ```
 */
export class BadJsonError extends GenstreamError {
  /** 1-based number of the offending line (blank lines count). */
  readonly lineNumber: number;
  constructor(where: string, lineNumber: number, line: string, cause: unknown) {
    const excerpt = JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
    const reason = cause instanceof Error ? ` (${cause.message})` : '';
    super(
      'ERR_GENSTREAM_BAD_JSON',
      `${where}: line ${lineNumber} is not valid JSON${reason}: ${excerpt}; fix the input, or pass ` +
        '{ onError } to skip bad lines',
      { cause },
    );
    this.name = 'BadJsonError';
    this.lineNumber = lineNumber;
  }
}
codes.set(BadJsonError, 'ERR_GENSTREAM_BAD_JSON');

/**
 * An operation that needs at least one item got none: `reduce(fn)` without a seed over an empty source
 * (like `[].reduce(fn)`, which throws a TypeError). Code `ERR_GENSTREAM_EMPTY_SOURCE`.
 *
 * @example
 * ```ts
 * import { EmptySourceError, reduce } from 'genstream';
 *
 * try {
 *   await reduce([] as number[], (a, b) => a + b);
 * } catch (err) {
 *   if (err instanceof EmptySourceError) console.error(err.code); // 'ERR_GENSTREAM_EMPTY_SOURCE'
 * }
 * ```
 */
export class EmptySourceError extends GenstreamError {
  /** `message` says what was empty and what to do (see `reduce`). */
  constructor(message: string) {
    super('ERR_GENSTREAM_EMPTY_SOURCE', message);
    this.name = 'EmptySourceError';
  }
}
codes.set(EmptySourceError, 'ERR_GENSTREAM_EMPTY_SOURCE');

/**
 * `true` for the `AbortError` genstream (and Node) raise when a signal aborts a stream: any `Error`
 * named `'AbortError'`.
 *
 * @example
 * ```ts
 * import { setTimeout as sleep } from 'node:timers/promises';
 * import { isAbortError, toReadable } from 'genstream';
 *
 * async function* ticks() { for (;;) { await sleep(5); yield Date.now(); } }
 * const readable = toReadable(ticks, { signal: AbortSignal.timeout(50) });
 * try {
 *   for await (const _ of readable);
 * } catch (err) {
 *   if (!isAbortError(err)) throw err; // stopped by the timeout: not a failure
 * }
 * ```
 */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * Node-style AbortError (`name: 'AbortError'`, `code: 'ABORT_ERR'`) carrying the signal's reason.
 * `instanceof` matches by name and code, so Node's own AbortErrors and other copies' match too.
 * Not a {@link GenstreamError}: its code is Node's.
 *
 * @example
 * ```ts
 * import { AbortError, toReadable } from 'genstream';
 *
 * const ac = new AbortController();
 * const readable = toReadable(['a', 'b', 'c'], { signal: ac.signal });
 * ac.abort();
 * try {
 *   for await (const _ of readable);
 * } catch (err) {
 *   console.log(err instanceof AbortError); // true
 * }
 * ```
 *
 * @property code - Always `'ABORT_ERR'`, as for Node's AbortError.
 */
export class AbortError extends Error {
  /** Always `'ABORT_ERR'`, as for Node's AbortError. */
  readonly code = 'ABORT_ERR' as const;
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasCode(value, (code) => code === 'ABORT_ERR') && (value as Error).name === 'AbortError';
  }
}

/** Short, human description of a received value for error messages: `` `0` (number) ``. */
export function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  const type = typeof value;
  if (type === 'function') {
    const name = (value as { name?: string }).name;
    return name ? `function \`${name}\`` : 'an anonymous function';
  }
  if (type === 'string') {
    const s = value as string;
    return `\`${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}\` (string)`;
  }
  if (type === 'object') {
    const ctor = (value as object).constructor;
    const name = ctor && typeof ctor.name === 'string' && ctor.name ? ctor.name : 'Object';
    if (Array.isArray(value)) return `an array (length ${value.length})`;
    return `an object (${name})`;
  }
  return `\`${String(value)}\` (${type})`;
}
