import { Readable } from 'node:stream';
import { kStopRequested } from '../internal/inbox.js';
import { refusePipeWhenUsed } from '../internal/guards.js';
import { Pump } from '../internal/pump.js';
import type { StreamOptions } from '../internal/options.js';
import type { TypedReadable } from '../internal/types.js';
import { checkStreamOptions, fail, isIterable } from '../internal/validate.js';

/** Options of {@link toReadable}. */
export type ToReadableOptions = StreamOptions;

/** What {@link toReadable} accepts: an iterable, a single chunk, or a factory returning either. */
export type ReadableSource<T> =
  | AsyncIterable<T>
  | Iterable<T>
  | (() => AsyncIterable<T> | Iterable<T>);

/**
 * The item type of the Readable {@link toReadable} makes from `S`: `string` for a string, the buffer
 * type for a Buffer/Uint8Array (one chunk), else the items of the iterable (or of what the factory
 * returns).
 */
export type ReadableSourceItem<S> = S extends string
  ? string
  : S extends Uint8Array
    ? S
    : S extends () => infer R
      ? ReadableSourceItem<R>
      : S extends AsyncIterable<infer T>
        ? T
        : S extends Iterable<infer T>
          ? T
          : never;

class GenReadable<T> extends Readable {
  private readonly pump: Pump<T>;
  private readonly source: unknown;
  private readonly where: string;

  constructor(source: unknown, options: ToReadableOptions) {
    const objectMode = options.objectMode ?? true;
    super({ objectMode, highWaterMark: options.highWaterMark, encoding: options.encoding, signal: options.signal });
    this.source = source;
    // Named like a fromGen stage: the option, else a generator function's own name.
    const name = options.name || (typeof source === 'function' ? source.name : '');
    this.where = `toReadable: source${name ? ` "${name}"` : ''}`;
    this.pump = new Pump<T>(this, this.where, objectMode);
  }

  override pipe<D extends NodeJS.WritableStream>(dest: D, options?: { end?: boolean }): D {
    return refusePipeWhenUsed(this, dest, this.where) ? dest : super.pipe(dest, options);
  }

  override _read(): void {
    if (!this.pump.started) {
      try {
        let src = this.source;
        if (typeof src === 'function') src = (src as () => unknown)();
        // A string or a byte buffer is one chunk, never iterated character by character.
        if (typeof src === 'string' || src instanceof Uint8Array) src = [src];
        this.pump.setSource(src);
      } catch (err) {
        this.pump.abort();
        this.destroy(err as Error);
        return;
      }
    }
    this.pump.read();
  }

  // Lets an error wait behind the items produced before it (see Pump.afterRead).
  override read(size?: number): T {
    const chunk = super.read(size) as T;
    this.pump.afterRead();
    return chunk;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.pump.abort(err);
    cb(err);
  }

  /** Asked by the genstream stage below when it stopped early: end gracefully. */
  [kStopRequested](): void {
    if (!this.destroyed) this.pump.stop();
  }
}

/**
 * Makes a Readable from a sync or async iterable, a generator, or a factory returning one. A string or
 * Buffer is a single chunk (never iterated character by character).
 *
 * - Backpressure: the source is pulled only when the stream asks (`_read`); nothing is read ahead past
 *   `highWaterMark`.
 * - Cleanup: a generator's `finally` runs on end, error, `destroy()`, abort, and when a genstream stage
 *   below stops early (the Readable then ends gracefully instead of being destroyed).
 * - Errors: an error thrown by the source destroys the stream with the same object; `null`/`undefined`
 *   items in object mode fail with a {@link NullValueError}.
 *
 * Tip: `toReadable(foreignReadable)` wraps any Readable so that a genstream stage that stops early
 * ends the pipeline cleanly (the wrapped stream is destroyed, the wrapper ends).
 *
 * @example
 * ```ts
 * import { toReadable } from 'genstream';
 *
 * async function* pages() { for (let p = 1; p <= 3; p++) yield { page: p }; }
 * toReadable(pages).on('data', (page) => console.log(page));
 * ```
 */
export function toReadable<S extends ReadableSource<unknown> | string | Uint8Array>(
  source: S,
  options?: ToReadableOptions,
): TypedReadable<ReadableSourceItem<S>> {
  checkStreamOptions('toReadable', options);
  if (typeof source !== 'function' && typeof source !== 'string' && !(source instanceof Uint8Array) && !isIterable(source)) {
    fail('toReadable', '`source` to be an iterable, an async iterable, a string/Buffer, or a function returning one', source);
  }
  return new GenReadable<ReadableSourceItem<S>>(source, options ?? {});
}

