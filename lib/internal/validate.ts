/** Argument checks shared by every factory. They run at call time and show what was received. */
import { describe, GenstreamArgumentError } from './errors.js';

/** `true` for anything with a callable `Symbol.asyncIterator` or `Symbol.iterator`. */
export function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    value != null &&
    (typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function' ||
      typeof (value as Record<symbol, unknown>)[Symbol.iterator] === 'function')
  );
}

/** `true` for a Node stream (old or new): something with `pipe` and `on`. */
export function isNodeStream(value: unknown): value is NodeJS.EventEmitter & { pipe: unknown } {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** `true` for a stream that can be written to (Writable, Duplex, Transform). */
export function isWritableStream(value: unknown): value is NodeJS.WritableStream {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as { write?: unknown }).write === 'function' &&
    typeof (value as { end?: unknown }).end === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** `true` for a WHATWG WritableStream (`getWriter`, and no readable side). */
export function isWebWritable(value: unknown): value is WritableStream {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as WritableStream).getWriter === 'function' &&
    typeof (value as WritableStream).abort === 'function' &&
    typeof (value as { pipeTo?: unknown }).pipeTo !== 'function'
  );
}

/** `true` for a Duplex-like stream: readable (`pipe`/`read`) and writable (`write`/`end`). */
export function isDuplexStream(value: unknown): value is NodeJS.ReadWriteStream {
  return isNodeStream(value) && isWritableStream(value) && typeof (value as { read?: unknown }).read === 'function';
}

export function argumentError(where: string, what: string, got: unknown): GenstreamArgumentError {
  return new GenstreamArgumentError(`${where}: expected ${what}, got ${describe(got)}`);
}

export function fail(where: string, what: string, got: unknown): never {
  throw argumentError(where, what, got);
}

export function checkFunction(where: string, name: string, value: unknown): void {
  if (typeof value !== 'function') fail(where, `\`${name}\` to be a function`, value);
}

export function checkOptions(where: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object')) {
    fail(where, '`options` to be an object', value);
  }
}

export function checkPositiveInt(where: string, name: string, value: unknown, allowInfinity = false): void {
  if (allowInfinity && value === Infinity) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(where, `\`${name}\` to be a positive integer${allowInfinity ? ' or Infinity' : ''}`, value);
  }
}

export function checkNonNegativeInt(where: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(where, `\`${name}\` to be a non-negative integer`, value);
  }
}

/** Validates the options every adapter shares. */
export function checkStreamOptions(where: string, options: unknown): void {
  checkOptions(where, options);
  if (!options) return;
  const o = options as Record<string, unknown>;
  for (const key of ['highWaterMark', 'readableHighWaterMark', 'writableHighWaterMark']) {
    if (o[key] !== undefined) checkNonNegativeInt(where, `options.${key}`, o[key]);
  }
  for (const key of ['objectMode', 'readableObjectMode', 'writableObjectMode']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') fail(where, `\`options.${key}\` to be a boolean`, o[key]);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    fail(where, '`options.signal` to be an AbortSignal', o.signal);
  }
  if (o.encoding !== undefined && (typeof o.encoding !== 'string' || !Buffer.isEncoding(o.encoding))) {
    fail(where, '`options.encoding` to be a Buffer encoding such as "utf8"', o.encoding);
  }
  if (o.name !== undefined && typeof o.name !== 'string') fail(where, '`options.name` to be a string', o.name);
}

/** Name of a stage for messages, quoted: the option, else the function's name; else `anonymous`. */
export function stageName(fn: unknown, name?: string): string {
  const n = name || (typeof fn === 'function' ? fn.name : '');
  return n ? `"${n}"` : 'anonymous';
}
