/**
 * What `chain()` was given, end by end: an optional options object first, then an optional source, the
 * stages, and an optional sink last. The ends decide the shape of the result (Duplex, Readable,
 * Writable, or a stream that only runs), as with Node's `stream.compose`, and each side's object mode
 * follows the stage at that end unless the options set it.
 */
import { isWebReadable } from '../adapters/web.js';
import { describe, GenstreamArgumentError } from '../internal/errors.js';
import { isOperator } from '../internal/operator.js';
import type { ResolvedDuplexOptions } from '../internal/options.js';
import { resolveDuplexOptions } from '../internal/options.js';
import { checkStreamOptions, isDuplexStream, isIterable, isNodeStream, isWebWritable, isWritableStream } from '../internal/validate.js';
import type { ChainOptions } from './chain-options.js';

export interface ChainShape {
  options: ResolvedDuplexOptions;
  /** Names the chain in errors: `options.name`, else `chain`. */
  name: string;
  /** The source (first argument), when there is one. */
  source: { value: unknown } | null;
  /** The stages between the ends. */
  stages: unknown[];
  /** Position of `stages[0]` among the arguments after the options (1 when a source came first). */
  offset: number;
  /** The sink (last argument), when there is one. */
  sink: { value: unknown } | null;
}

const ASYNC_FUNCTION = 'AsyncFunction';

/** `true` for an `async` function that is not a generator: last in a chain it is the sink. */
export function isAsyncFunction(value: unknown): boolean {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[Symbol.toStringTag] === ASYNC_FUNCTION && !isOperator(value);
}

/** A plain `{ ... }` object (the options), not a stream, iterable or Web stream. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && !isIterable(value) && !isNodeStream(value);
}

/** A value that can only be read: it starts a chain (a Readable, a ReadableStream, an iterable, a chunk). */
export function isSourceValue(value: unknown): boolean {
  if (typeof value === 'string' || value instanceof Uint8Array) return true;
  if (isWebReadable(value)) return true;
  if (isNodeStream(value)) return !isWritableStream(value);
  return typeof value !== 'function' && isIterable(value);
}

/** A value that can only be written: it ends a chain (a Writable, a WritableStream, an async function). */
export function isSinkValue(value: unknown): boolean {
  if (isWebWritable(value) || isAsyncFunction(value)) return true;
  return isWritableStream(value) && !isDuplexStream(value);
}

/**
 * A function with no declared parameter, first: a source factory (`async function* () {}`,
 * `() => [1, 2]`) or a stream factory (`() => createGzip()`). Called now to tell which; a stream it
 * returns is used as a stage instance.
 */
function openHead(value: unknown): unknown {
  if (typeof value !== 'function' || value.length !== 0 || isOperator(value) || isAsyncFunction(value)) return value;
  const made = (value as () => unknown)();
  if (isDuplexStream(made) || isSourceValue(made)) return made;
  throw new GenstreamArgumentError(
    `chain: stage 0 is a function without parameters, so it was called as a source or stream factory; it returned ${describe(made)}, ` +
      'expected an iterable, a Readable or a ReadableStream (a source) or a Duplex (a stream factory); a stage takes the source as its parameter',
  );
}

/** Splits `chain()`'s arguments into options, source, stages and sink (validated at call time). */
export function shapeOf(args: readonly unknown[]): ChainShape {
  let rest = args;
  let given: ChainOptions = {};
  if (isPlainObject(rest[0])) {
    checkStreamOptions('chain', rest[0]);
    given = rest[0] as ChainOptions;
    rest = rest.slice(1);
  }
  if (rest.length === 0) {
    throw new GenstreamArgumentError(
      `chain: expected at least one stage, got ${args.length === 0 ? 'none' : 'only options'} (as stream.compose, chain() needs something to compose)`,
    );
  }
  const last = rest[rest.length - 1];
  if (rest.length > 1 && isPlainObject(last)) {
    throw new GenstreamArgumentError(`chain: the options go first, chain(options, ...stages); got ${describe(last)} as the last argument`);
  }
  const head = openHead(rest[0]);
  const source = isSourceValue(head) ? { value: head } : null;
  const stages = source === null ? [head, ...rest.slice(1)] : rest.slice(1);
  const sink = stages.length > 0 && isSinkValue(stages[stages.length - 1]) ? { value: stages.pop() } : null;
  const tail = stages[stages.length - 1];
  const readableObjectMode = given.readableObjectMode ?? given.objectMode ?? objectModeOf(tail, 'readable');
  const options = resolveDuplexOptions({
    ...given,
    writableObjectMode: given.writableObjectMode ?? given.objectMode ?? objectModeOf(stages[0], 'writable'),
    readableObjectMode,
    encoding: given.encoding ?? (readableObjectMode ? undefined : encodingOf(tail)),
  });
  return { options, name: given.name || 'chain', source, stages, offset: source === null ? 0 : 1, sink };
}

/**
 * The object mode of a stream stage's side that faces outwards; `true` for everything else (operators,
 * generators, Web streams and stream factories carry any value).
 */
function objectModeOf(stage: unknown, side: 'readable' | 'writable'): boolean {
  if (!isDuplexStream(stage)) return true;
  const mode = (stage as unknown as Record<string, unknown>)[`${side}ObjectMode`];
  return typeof mode === 'boolean' ? mode : true;
}

/** A byte stream stage last that decodes (`setEncoding`): the chain's readable side decodes alike. */
function encodingOf(stage: unknown): BufferEncoding | undefined {
  if (!isDuplexStream(stage)) return undefined;
  const encoding = (stage as unknown as { readableEncoding?: unknown }).readableEncoding;
  return typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined;
}
