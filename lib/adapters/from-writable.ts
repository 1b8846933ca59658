import type { Writable } from 'node:stream';
import { writeAll } from '../internal/writer.js';
import type { AnyIterable, TypedWritable } from '../internal/types.js';
import { AlreadyUsedError } from '../internal/errors.js';
import { argumentError, checkOptions, fail, isIterable, isWritableStream } from '../internal/validate.js';

/** Options of {@link fromWritable}. */
export interface FromWritableOptions {
  /** End the Writable when the source is exhausted (default `true`). Set `false` for `process.stdout`. */
  end?: boolean;
  /** Encoding passed to `write()` for string chunks. */
  encoding?: BufferEncoding;
  /** Aborting stops writing, destroys the Writable, and rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** A sink made by {@link fromWritable}. */
export type WritableSink<T> = (source: AnyIterable<T> | (T & (string | Uint8Array))) => Promise<void>;

/**
 * Makes a sink from a Writable: an async function that writes an iterable into it, honouring
 * `write() === false` / `'drain'`, ends it, and resolves on `'finish'`. A string or Buffer given as
 * the source is written as one chunk (as `toReadable` treats it), not character by character.
 *
 * - Errors: a Writable error rejects with the same object and stops the source (its `finally` runs);
 *   a source error destroys the Writable with that error and rejects with it.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { fromWritable } from 'genstream';
 *
 * async function* lines() { yield 'a\n'; yield 'b\n'; }
 * await fromWritable(createWriteStream('/tmp/out.txt'))(lines());
 * ```
 */
export function fromWritable<T = unknown>(
  writable: TypedWritable<T> | Writable | NodeJS.WritableStream,
  options?: FromWritableOptions,
): WritableSink<T> {
  if (!isWritableStream(writable)) fail('fromWritable', '`writable` to be a Writable stream', writable);
  checkOptions('fromWritable', options);
  const end = options?.end ?? true;
  const encoding = options?.encoding;
  const signal = options?.signal;
  let used = false;
  return (input) => {
    // Like toReadable: a string or a byte buffer is one chunk, never written character by character.
    const source: AnyIterable<T> =
      typeof input === 'string' || input instanceof Uint8Array ? [input as T] : (input as AnyIterable<T>);
    if (!isIterable(source)) {
      return Promise.reject(argumentError('fromWritable sink', '`source` to be an iterable or async iterable', source));
    }
    if (used && end) {
      return Promise.reject(
        new AlreadyUsedError('fromWritable: this sink already ended its Writable; make a new sink for each source'),
      );
    }
    used = true;
    return writeAll(writable as Writable, source, { end, where: 'fromWritable', encoding, signal });
  };
}
