/** Writing an iterable into a WHATWG WritableStream with backpressure: `run()`'s and `chain()`'s Web sink. */
import type { WritableStream } from 'node:stream/web';
import type { AnyIterable } from './types.js';

const noop = (): void => {};

/**
 * Writes every item of `source` into `stream`, waiting on `writer.ready` (the stream's backpressure)
 * before each write, then closes it and resolves once the stream has taken everything. A source error
 * aborts the stream with that error and rejects with it; a stream error stops the source (its
 * `finally` runs) and rejects with the stream's error.
 */
export async function writeWeb<T>(stream: WritableStream<T> | globalThis.WritableStream<T>, source: AnyIterable<T>): Promise<void> {
  const writer = (stream as WritableStream<T>).getWriter();
  let sourceFailed = false;
  try {
    try {
      for await (const item of source) {
        await writer.ready;
        // Its failure also rejects `ready` (the next wait) or `close()`: handled there.
        writer.write(item).catch(noop);
      }
    } catch (err) {
      sourceFailed = true;
      await writer.abort(err).catch(noop);
      throw err;
    }
    await writer.close();
  } catch (err) {
    if (!sourceFailed) void writer.abort(err).catch(noop);
    throw err;
  } finally {
    writer.releaseLock();
  }
}
