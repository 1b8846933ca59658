/** Writing an iterable into a Writable with backpressure. Used by `fromWritable` and `toGen`. */
import { finished, Readable, type Writable } from 'node:stream';
import { bufferedTaker, NOTHING } from './fused-run.js';
import { openIterator } from './sources.js';
import { Wakeup } from './wakeup.js';
import { AbortError, NullValueError } from './errors.js';
import type { AnyIterable } from './types.js';

const noop = (): void => {};

/** Waits for 'drain' or for the stream to fail; one promise per wait (per full buffer), not per item. */
export class DrainWaiter extends Wakeup {
  error: unknown = undefined;
  closed = false;
  private readonly onDrain = (): void => this.notify();
  private readonly cleanup: () => void;

  constructor(private readonly stream: Writable) {
    super();
    stream.on('drain', this.onDrain);
    this.cleanup = finished(stream, { readable: false }, (err) => {
      this.closed = true;
      if (err) this.error = err;
      this.notify();
    });
  }

  close(): void {
    this.stream.off('drain', this.onDrain);
    this.cleanup();
  }
}

export interface WriteAllOptions {
  end: boolean;
  /** Names the writer in errors (`toGen (stage 2)`, `fromWritable`). */
  where: string;
  encoding?: BufferEncoding | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Set `stopped` to stop writing at the next item (the source is returned, the stream not ended).
   * `inSource` is kept true while waiting for the source's next item (user code that may never settle).
   */
  stop?: { stopped: boolean; inSource?: boolean };
}

/**
 * Writes `source` into `stream` honouring `write() === false`/`'drain'`, then ends it and waits for
 * `'finish'`. On a source error the stream is destroyed with that error; the promise rejects with the
 * first error either side raised.
 */
export async function writeAll<T>(stream: Writable, source: AnyIterable<T>, options: WriteAllOptions): Promise<void> {
  const { end, encoding, signal, stop } = options;
  const waiter = new DrainWaiter(stream);
  // Like Node's own `signal` options: one AbortError (code ABORT_ERR, `cause`: the signal's reason),
  // the same object for the Writable's destroy and for our rejection.
  let abortError: AbortError | null = null;
  const aborted = (): AbortError => (abortError ??= new AbortError(undefined, { cause: signal?.reason }));
  const onAbort = (): void => {
    stream.destroy(aborted());
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw aborted();
    if (stop) stop.inSource = true;
    // A Readable source is read through openIterator, which leaves no listener on it (see sources.ts).
    const items: AnyIterable<T> = source instanceof Readable ? { [Symbol.asyncIterator]: () => openIterator(source).it as AsyncIterator<T> } : source;
    // A fused run hands the rest of a batch over synchronously: no promise per item (see kTakeBuffered).
    const takeBuffered = bufferedTaker(items);
    items: for await (const first of items) {
      if (stop) stop.inSource = false;
      let item: unknown = first;
      for (;;) {
        if (waiter.error !== undefined) throw waiter.error;
        if (waiter.closed || stop?.stopped) break items;
        // `write(null)` throws (null ends a stream): say which writer got it, and fail like any source error.
        if (item === null) throw new NullValueError(`${options.where}: the source`);
        const ok = encoding === undefined ? stream.write(item) : stream.write(item, encoding);
        if (!ok) {
          if (!waiter.closed) await waiter.wait();
          if (waiter.error !== undefined) throw waiter.error;
        }
        if (takeBuffered === undefined || (item = takeBuffered()) === NOTHING) break;
      }
      if (stop) stop.inSource = true;
    }
    if (stop) stop.inSource = false;
    if (signal?.aborted) throw aborted();
    if (waiter.error !== undefined) throw waiter.error;
    if (stop?.stopped) return;
    if (end && !waiter.closed) {
      stream.end();
      if (!waiter.closed) await waiter.wait();
      if (waiter.error !== undefined) throw waiter.error;
    } else if (end && !stream.writableFinished) {
      throw new Error('fromWritable: the Writable closed before it finished');
    }
  } catch (err) {
    if (stop) stop.inSource = false;
    // The source failed (or the stream did): the Writable is left half-written, so destroy it. The error
    // is reported through our rejection; the 'error' event this causes is emitted after `waiter.close()`
    // and must not crash a caller that has no 'error' listener (`once`: the listener goes with the event).
    if (!stream.destroyed) {
      // Not when Node has recorded the stream's own error and it was emitted already (`autoDestroy:
      // false` and a failed write): no second 'error' comes, and the listener would be left behind. A
      // stream that only emitted 'error' by hand is not marked errored, and destroy() emits it again.
      if (!(stream.errored && waiter.error !== undefined)) stream.once('error', noop);
      stream.destroy(err as Error);
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    waiter.close();
  }
}

