/**
 * `toDuplex`: a Node Duplex as an it-/libp2p-style duplex iterable `{ source, sink }`. `source` reads
 * the readable side with the project's reader (no listener left behind); `sink` writes into the writable
 * side with the project's writer (`'drain'` backpressure, end, `'finish'`).
 */
import { finished, type Duplex } from 'node:stream';
import { AbortError, AlreadyUsedError } from '../internal/errors.js';
import { readStream } from '../internal/reader.js';
import { OwnedGenerator, releaseIterator } from '../internal/sources.js';
import type { AnyIterable, TypedDuplex } from '../internal/types.js';
import { argumentError, checkOptions, fail, isDuplexStream, isIterable } from '../internal/validate.js';
import { writeAll } from '../internal/writer.js';
import type { DuplexIterable } from './from-duplex.js';

/**
 * Options of {@link toDuplex}.
 *
 * @example
 * ```ts
 * import { PassThrough } from 'node:stream';
 * import { toDuplex, type ToDuplexOptions } from 'genstream';
 *
 * const options: ToDuplexOptions = { destroyOnReturn: false, signal: AbortSignal.timeout(5000) };
 * const { source, sink } = toDuplex(new PassThrough(), options);
 * ```
 */
export interface ToDuplexOptions {
  /**
   * Destroy the Duplex when a loop over `source` exits early (`break`, `return`, a throw), which also
   * stops a running `sink`. Default `true`. With `false` the Duplex is left open (paused) and the sink
   * goes on — for protocols that stop reading but still send; a `return()` while a read is pending then
   * takes effect when the next item or the end comes.
   */
  destroyOnReturn?: boolean;
  /**
   * Aborting destroys the Duplex with an `AbortError` (its `cause`: the signal's reason); `source` and
   * `sink` both reject with that same object. The listener is removed once both are done, or when the
   * Duplex closes.
   */
  signal?: AbortSignal;
}

/**
 * What {@link toDuplex} returns: a {@link DuplexIterable} whose `source` is async and one-shot, and
 * whose `sink` also accepts a sync iterable (or a string/Buffer as one chunk).
 *
 * @example
 * ```ts
 * import { fromGen, toDuplex, type AsyncDuplexIterable } from 'genstream';
 *
 * const upper = fromGen(async function* (words: AsyncIterable<string>) { for await (const w of words) yield w.toUpperCase(); });
 * const conn: AsyncDuplexIterable<string, string> = toDuplex(upper);
 * ```
 */
export interface AsyncDuplexIterable<I, O> extends DuplexIterable<I, O> {
  /** The Duplex's readable side. It can be iterated once; a second iteration rejects with `AlreadyUsedError`. */
  source: AsyncIterable<O>;
  /** Writes an iterable into the writable side, ends it, and resolves once it has finished. Call it once. */
  sink: (source: AnyIterable<I>) => Promise<void>;
}

const noop = (): void => {};

/**
 * Makes a duplex iterable `{ source, sink }` (it-/libp2p style) from a Node `Duplex` — a socket, a
 * Transform, a `fromGen` stage — so that code written for duplex iterables can talk to it.
 *
 * - `source`: an async iterable over the readable side, read only as the loop asks. A loop that exits
 *   early destroys the Duplex (unless `{ destroyOnReturn: false }`), which also stops a running sink.
 *   One-shot: a second iteration rejects with an {@link AlreadyUsedError}.
 * - `sink(iterable)`: writes the iterable into the writable side, honouring `write() === false` /
 *   `'drain'`, ends it and resolves on `'finish'`. A string or Buffer is written as one chunk. One-shot:
 *   a second call rejects with an {@link AlreadyUsedError} (and returns the iterator it was given).
 * - Errors: an error of the iterable given to `sink` destroys the Duplex with that error; `sink`
 *   rejects with the same object, and so does the `source` loop. A Duplex error rejects both `sink` and
 *   the `source` loop with the same object; `sink` rejects at once even while its iterable is waiting
 *   for an item (that iterable is returned — its `finally` runs — when its next item comes). A Duplex
 *   destroyed without an error (e.g. by a `source` loop that exited early) rejects a running `sink`
 *   with Node's `ERR_STREAM_PREMATURE_CLOSE`: what it had to write was not all written.
 * - Cleanup: every listener added to the Duplex is removed when the side using it is done.
 *
 * @example
 * ```ts
 * import { PassThrough } from 'node:stream';
 * import { toDuplex } from 'genstream';
 *
 * const { source, sink } = toDuplex(new PassThrough({ objectMode: true }));
 * const sent = sink(['ping', 'pong']);
 * for await (const msg of source) console.log(msg); // ping, pong
 * await sent;
 * ```
 */
export function toDuplex<I = unknown, O = unknown>(
  duplex: TypedDuplex<I, O> | Duplex,
  options?: ToDuplexOptions,
): AsyncDuplexIterable<I, O> {
  if (!isDuplexStream(duplex)) fail('toDuplex', '`duplex` to be a Duplex stream (readable and writable)', duplex);
  checkOptions('toDuplex', options);
  if (options?.destroyOnReturn !== undefined && typeof options.destroyOnReturn !== 'boolean') {
    fail('toDuplex', '`options.destroyOnReturn` to be a boolean', options.destroyOnReturn);
  }
  if (options?.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    fail('toDuplex', '`options.signal` to be an AbortSignal', options.signal);
  }
  const stream = duplex as Duplex;
  const destroyOnReturn = options?.destroyOnReturn ?? true;
  // Each half reports when it is done, so the abort listener goes as soon as neither needs it.
  const signal = options?.signal === undefined ? null : watchSignal(stream, options.signal);
  return {
    source: oneShotSource<O>(stream, destroyOnReturn, () => signal?.release('source')),
    sink: oneShotSink<I>(stream, () => signal?.release('sink')),
  };
}

/** The readable side as a one-shot async iterable. `done` runs once, when the loop is over. */
function oneShotSource<O>(stream: Duplex, destroyOnReturn: boolean, done: () => void): AsyncIterable<O> {
  let used = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<O> {
      if (used) return alreadyUsed('toDuplex: `source` was already iterated; a duplex\'s readable side can be read once — call toDuplex() on a new stream for a new conversation');
      used = true;
      let over = false;
      const gen = readStream<O>(stream, destroyOnReturn, {
        onFinally() {
          over = true;
          done();
        },
      });
      return new OwnedGenerator(gen, (started) => {
        // The loop stops (a break, or a Duplex made by fromDuplex being destroyed). A read may be
        // pending, and the generator's return() would wait behind it: destroying the stream now settles
        // that read. Never started: nothing was read, but the loop is over all the same.
        if (!over && destroyOnReturn && !stream.destroyed) stream.destroy();
        if (!started) {
          over = true;
          done();
        }
      });
    },
  };
}

/** The writable side as a one-shot sink. `done` runs once, when the first call has settled. */
function oneShotSink<I>(stream: Duplex, done: () => void): (source: AnyIterable<I>) => Promise<void> {
  let used = false;
  return (input) => {
    // Like fromWritable: a string or a byte buffer is one chunk, never written character by character.
    const source: AnyIterable<I> = typeof input === 'string' || input instanceof Uint8Array ? [input as I] : input;
    if (!isIterable(source)) {
      return Promise.reject(argumentError('toDuplex sink', '`source` to be an iterable or async iterable', source));
    }
    if (used) {
      // Nobody else will read it: release it, as a consumer that stops before its first read does.
      return releaseIterator(source).then(() => {
        throw new AlreadyUsedError(
          'toDuplex: `sink` was already called; a duplex\'s writable side can be written once — merge the sources ' +
            '(e.g. with concat()) or call toDuplex() on a new stream',
        );
      });
    }
    used = true;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (ok: boolean, err?: unknown): void => {
        if (settled) return;
        settled = true;
        stopWatching();
        done();
        if (ok) resolve();
        else reject(err);
      };
      // writeAll notices a failed stream only between items; while it waits for the next item of a source
      // that may never yield, this rejects the sink at once (writeAll returns the source at its next item).
      const stopWatching = finished(stream, { readable: false }, (err) => {
        if (err) settle(false, err);
      });
      writeAll(stream, source, { end: true, where: 'toDuplex sink' }).then(
        () => settle(true),
        (err: unknown) => settle(false, err),
      );
    });
  };
}

/** An iterator whose first `next()` rejects with an AlreadyUsedError (a sync throw would escape `pipeline()`). */
function alreadyUsed<O>(message: string): AsyncIterator<O> {
  return {
    next: () => Promise.reject(new AlreadyUsedError(message)),
    return: () => Promise.resolve({ done: true, value: undefined }),
  };
}

/**
 * Destroys `stream` with one AbortError when `signal` aborts. The listener is removed once both halves
 * are done (`release` called for each), or when the stream has closed, whichever comes first.
 */
function watchSignal(stream: Duplex, signal: AbortSignal): { release(half: 'source' | 'sink'): void } {
  const onAbort = (): void => {
    if (stream.destroyed) return;
    // The abort is reported through `source` and `sink`; while neither is running, nobody listens to
    // the stream's 'error', and the caller's own abort must not crash the process.
    if (stream.listenerCount('error') === 0) stream.once('error', noop);
    stream.destroy(new AbortError(undefined, { cause: signal.reason }));
  };
  if (signal.aborted) {
    onAbort();
    return { release: noop };
  }
  const pending = new Set<'source' | 'sink'>(['source', 'sink']);
  let stopWatching: () => void = noop;
  const detach = (): void => {
    signal.removeEventListener('abort', onAbort);
    stopWatching();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  stopWatching = finished(stream, detach);
  return {
    release(half) {
      pending.delete(half);
      if (pending.size === 0) detach();
    },
  };
}
