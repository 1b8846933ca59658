/**
 * genstream's own errors. User errors always pass through untouched (same object); these are only
 * for what genstream itself detects. Every one has a stable `code` starting with `ERR_GENSTREAM_`.
 */

/** Stable error codes raised by genstream itself. */
export type GenstreamErrorCode =
  | 'ERR_GENSTREAM_INVALID_ARG'
  | 'ERR_GENSTREAM_NULL_VALUE'
  | 'ERR_GENSTREAM_INVALID_CHUNK'
  | 'ERR_GENSTREAM_ALREADY_USED'
  | 'ERR_GENSTREAM_NOT_ITERABLE'
  | 'ERR_GENSTREAM_LINE_TOO_LONG'
  | 'ERR_GENSTREAM_BAD_JSON';

const CODE_PREFIX = 'ERR_GENSTREAM_';

/**
 * Base class of every error genstream raises itself. `err instanceof GenstreamError` is also true for
 * {@link GenstreamArgumentError}, which extends `TypeError` so argument checks stay `TypeError`s.
 *
 * @example
 * ```ts
 * try { await pipeline(src, fromGen(stage), sink); }
 * catch (err) { if (err instanceof GenstreamError) console.error(err.code, err.message); }
 * ```
 */
export class GenstreamError extends Error {
  readonly code: GenstreamErrorCode;
  constructor(code: GenstreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  // Argument errors must be TypeErrors, so they cannot inherit from this class; recognise them by code.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== GenstreamError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      value instanceof Error &&
      typeof (value as { code?: unknown }).code === 'string' &&
      (value as unknown as { code: string }).code.startsWith(CODE_PREFIX)
    );
  }
}

/**
 * A bad argument at call time: a non-function where a stage is expected, a non-stream where a stream is
 * expected, a non-iterable source, an out-of-range option. Code `ERR_GENSTREAM_INVALID_ARG`.
 */
export class GenstreamArgumentError extends TypeError {
  readonly code = 'ERR_GENSTREAM_INVALID_ARG' as const;
  constructor(message: string) {
    super(message);
    this.name = 'GenstreamArgumentError';
  }
}

/** A stage yielded `null` or `undefined` into an object-mode stream. Code `ERR_GENSTREAM_NULL_VALUE`. */
export class NullValueError extends GenstreamError {
  constructor(where: string) {
    super(
      'ERR_GENSTREAM_NULL_VALUE',
      `${where} yielded null or undefined; object streams cannot carry null (it means end-of-stream) — ` +
        'skip the value or wrap it, e.g. { value: null }',
    );
  }
}

/** A stage yielded something other than a Buffer, Uint8Array or string into a byte stream. */
export class InvalidChunkError extends GenstreamError {
  constructor(where: string, got: unknown) {
    super(
      'ERR_GENSTREAM_INVALID_CHUNK',
      `${where} yielded ${describe(got)} into a byte stream; byte streams carry Buffer, Uint8Array or ` +
        'string chunks — set objectMode (or readableObjectMode) to carry other values',
    );
  }
}

/** A one-shot object (a stream instance, a generator) was used a second time. */
export class AlreadyUsedError extends GenstreamError {
  constructor(message: string) {
    super('ERR_GENSTREAM_ALREADY_USED', message);
  }
}

/** A stage returned something that is neither an async iterable nor an iterable. */
export class NotIterableError extends GenstreamError {
  constructor(where: string, got: unknown) {
    super(
      'ERR_GENSTREAM_NOT_ITERABLE',
      `${where} returned ${describe(got)}; a generator stage must return an async iterable or an ` +
        'iterable (write it as an async function*)',
    );
  }
}

/**
 * A line grew past the `maxLineLength` of `lines()` or `ndjsonParse()` — usually input that is not
 * line-delimited, or a runaway line. Code `ERR_GENSTREAM_LINE_TOO_LONG`. `lineNumber` is 1-based.
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
    this.lineNumber = lineNumber;
    this.maxLineLength = maxLineLength;
  }
}

/**
 * A line of an NDJSON stream is not valid JSON. Code `ERR_GENSTREAM_BAD_JSON`. The message names the
 * 1-based line number and shows the start of the line; `cause` is the `SyntaxError` from `JSON.parse`.
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
    this.lineNumber = lineNumber;
  }
}

/** `true` for the `AbortError` genstream (and Node) raise when a signal aborts a stream. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Node-style AbortError (`name: 'AbortError'`, `code: 'ABORT_ERR'`) carrying the signal's reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR' as const;
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
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
