import type { Duplex } from 'node:stream';
import { AlreadyUsedError } from '../internal/errors.js';
import { readStream } from '../internal/reader.js';
import type { AnyIterable, TypedDuplex } from '../internal/types.js';
import { checkOptions, fail, isDuplexStream, isIterable } from '../internal/validate.js';
import { writeAll } from '../internal/writer.js';
import { OwnedGenerator, releaseIterator } from '../internal/sources.js';

/** Options of {@link toGen}. */
export interface ToGenOptions {
  /** Encoding passed to `write()` for string chunks. */
  encoding?: BufferEncoding;
  /** Name used in error messages. */
  name?: string;
}

/** A generator stage made by {@link toGen}. */
export type GenStage<I, O> = (source: AnyIterable<I>) => AsyncGenerator<O, void, undefined>;


/**
 * Wraps a Transform/Duplex (e.g. `csv-parse`'s `parse()`) as a generator stage, usable in plain
 * `for await` code and in `stream.pipeline`.
 *
 * Given a factory `() => Duplex`, the stage is reusable (a new stream per use). Given an instance, the
 * stage can run once: a second run rejects at its first `next()` with an {@link AlreadyUsedError}
 * (streams, like generators, are one-shot). The stream is made (or the instance claimed) when the stage
 * starts, at its first `next()`: a stage returned before that makes no stream (a given instance is
 * destroyed instead, as a run would have left it), and returns its source.
 *
 * - Backpressure: source items are written only while the stream accepts them (`'drain'`), and the
 *   stream's output is read only as the loop asks.
 * - Errors: a stream error is thrown from the loop as the same object (`err instanceof CsvError` holds);
 *   a source error destroys the stream and is thrown as the same object.
 * - Cleanup: leaving the loop early destroys the stream and returns the source (its `finally` runs).
 *
 * @example
 * ```ts
 * import { parse } from 'csv-parse';
 * import { toGen } from 'genstream';
 *
 * const parseCsv = toGen<string, string[]>(() => parse());
 * for await (const row of parseCsv(['a,b\n', '1,2\n'])) console.log(row);
 * ```
 */
export function toGen<I = unknown, O = unknown>(
  streamOrFactory: TypedDuplex<I, O> | Duplex | NodeJS.ReadWriteStream | (() => TypedDuplex<I, O> | Duplex | NodeJS.ReadWriteStream),
  options?: ToGenOptions,
): GenStage<I, O> {
  return toGenWith<I, O>(streamOrFactory, options, undefined);
}

/**
 * `toGen` for `pipe()`/`run()`: each run's feed (the loop writing the source into the stream) is added
 * to `feeds`, so that they can wait for it after an early stop, once they have destroyed the root
 * source that the feed may be waiting on (its stages' `finally` then runs before `run()` resolves).
 */
export function toGenWith<I, O>(
  streamOrFactory: TypedDuplex<I, O> | Duplex | NodeJS.ReadWriteStream | (() => TypedDuplex<I, O> | Duplex | NodeJS.ReadWriteStream),
  options: ToGenOptions | undefined,
  feeds: Promise<void>[] | undefined,
): GenStage<I, O> {
  const where = `toGen${options?.name ? ` (${options.name})` : ''}`;
  if (typeof streamOrFactory !== 'function' && !isDuplexStream(streamOrFactory)) {
    fail(where, '`streamOrFactory` to be a Duplex/Transform stream or a function returning one', streamOrFactory);
  }
  checkOptions(where, options);
  const encoding = options?.encoding;
  let used = false;

  const obtain = (): Duplex => {
    if (typeof streamOrFactory !== 'function') {
      if (used) {
        throw new AlreadyUsedError(
          `${where}: this stage wraps a stream instance, which can run only once (streams and generators are ` +
            'one-shot); pass a factory such as `toGen(() => parse())` to reuse the stage',
        );
      }
      used = true;
      return streamOrFactory as Duplex;
    }
    const stream = (streamOrFactory as () => unknown)();
    if (!isDuplexStream(stream)) fail(where, 'the factory to return a Duplex/Transform stream', stream);
    return stream as Duplex;
  };

  const releaseUnstartedStage = (source: unknown): Promise<void> => {
    if (typeof streamOrFactory !== 'function' && !used) {
      used = true;
      const stream = streamOrFactory as Duplex;
      if (!stream.destroyed) stream.destroy();
    }
    return releaseIterator(source);
  };

  return (source) => {
    if (!isIterable(source)) fail(`${where} stage`, '`source` to be an iterable or async iterable', source);
    const stop = { stopped: false, inSource: false };
    let stream: Duplex | null = null;
    let feeding = false;
    let feed: Promise<void> | null = null;
    // The stream is made (or the instance claimed) when the stage starts, not when it is called.
    const gen = readStream<O>(obtain, true, {
      onStart(started) {
        stream = started as Duplex;
        feeding = true;
        // Errors surface through the stream (it is destroyed with them) and thus through the loop.
        feed = writeAll(stream, source, { end: true, where, encoding, stop }).then(
          () => void (feeding = false),
          () => void (feeding = false),
        );
        feeds?.push(feed);
      },
      onFinally() {
        stop.stopped = true;
        // The output ended (or we left early) while the stream still waits for input: release it.
        if (feeding && stream !== null && !stream.destroyed) stream.destroy();
        // Wait for the feed to return the source (its `finally` runs), unless the feed waits inside the
        // source, which may never yield: then it stops at the source's next item.
        if (feed !== null && !stop.inSource) return feed;
      },
    });
    // Returned before its first next(): no stream is made (a given instance is destroyed, as a loop
    // that ran would have left it), and the source is returned all the same.
    return new OwnedGenerator(gen, (started) => (started ? undefined : releaseUnstartedStage(source)));
  };
}
