/**
 * Reading a Readable from generator code: `read()` everything buffered, then wait once for
 * `'readable'`, end or error. Listeners are attached once per reader and removed by `close()`.
 * Used by `fromReadable` and `toGen`.
 */
import { finished, type Readable } from 'node:stream';
import { Wakeup } from './wakeup.js';

export class Reader extends Wakeup {
  ended = false;
  error: unknown = undefined;
  private readonly onReadable: () => void;
  private readonly cleanup: () => void;

  constructor(private readonly stream: Readable) {
    super();
    this.onReadable = () => this.notify();
    stream.on('readable', this.onReadable);
    this.cleanup = finished(stream, { writable: false }, (err) => {
      if (err) this.error = err;
      else this.ended = true;
      this.notify();
    });
  }

  close(): void {
    this.stream.off('readable', this.onReadable);
    this.cleanup();
    this.notify();
  }
}

export interface ReadStreamHooks {
  /** Runs at the first `next()`, before reading. */
  onStart?: (stream: Readable) => void;
  /** Sees the stream's error before the loop throws it (e.g. to mark it as the source's). */
  onError?: (err: unknown) => void;
  /** Runs last in the generator's `finally`, on every exit path; awaited when it returns a promise. */
  onFinally?: (complete: boolean) => void | Promise<void>;
}

/**
 * Async generator over a Readable's items. On early exit (`return()`/`break`) or error the stream is
 * destroyed when `destroyOnReturn` is true. `open` may be a function that makes the stream at the first
 * `next()` (so a generator returned before it starts makes none).
 */
export async function* readStream<T>(
  open: Readable | (() => Readable),
  destroyOnReturn: boolean,
  hooks?: ReadStreamHooks,
): AsyncGenerator<T, void, undefined> {
  const stream = typeof open === 'function' ? open() : open;
  hooks?.onStart?.(stream);
  const reader = new Reader(stream);
  let complete = false;
  try {
    for (;;) {
      let chunk: T | null;
      while ((chunk = stream.read() as T | null) !== null) yield chunk;
      if (reader.error !== undefined) {
        hooks?.onError?.(reader.error);
        throw reader.error;
      }
      if (reader.ended) break;
      await reader.wait();
    }
    complete = true;
  } finally {
    reader.close();
    if (!complete && destroyOnReturn && !stream.destroyed) stream.destroy();
    if (!complete && stream.destroyed && reader.error === undefined) ignoreLateError(stream);
    await hooks?.onFinally?.(complete);
  }
}

/**
 * The loop left a stream that is destroyed (by it, or by its own failure): an `'error'` the stream
 * still emits (its producer failed meanwhile) has nobody left to reach, and must not crash the process.
 * `finished` listens until the stream has closed, then the listeners are removed.
 */
export function ignoreLateError(stream: Readable): void {
  const cleanup = finished(stream, () => cleanup());
}
