/**
 * Guards on the genstream streams' Node-facing methods: a finished stream refuses to be piped again
 * (instead of a hang or a silent drop), and a byte-mode writable side refuses objects with a typed
 * error (instead of Node's uncatchable synchronous throw inside an upstream's `pipe()`).
 */
import type { Readable, Writable } from 'node:stream';
import { AlreadyUsedError, describe, InvalidChunkError } from './errors.js';

/** The error for a finished genstream stream used in a new pipeline. */
export function reuseError(where: string): AlreadyUsedError {
  return new AlreadyUsedError(
    `${where}: this stream has already finished or was destroyed, and was used again in a new pipeline; ` +
      'streams are one-shot — make a new one for each pipeline (call fromGen()/chain()/toWritable() again)',
  );
}

/**
 * For a genstream stream's `pipe()`: a readable side that has already ended (or was destroyed) has
 * nothing more to give, and Node would silently pipe nothing; fail the destination instead. Returns
 * `true` when it refused.
 */
export function refusePipeWhenUsed(stream: Readable, dest: NodeJS.WritableStream, where: string): boolean {
  if (!stream.readableEnded && !stream.destroyed) return false;
  const err = reuseError(where);
  const d = dest as Partial<Writable>;
  if (typeof d.destroy === 'function') d.destroy(err);
  else dest.emit('error', err);
  return true;
}

/**
 * For a genstream stream whose writable side is a byte stream: a chunk that is not a string or bytes
 * (an object from an object-mode upstream) fails the stream with an {@link InvalidChunkError} naming
 * it, instead of Node's synchronous `ERR_INVALID_ARG_TYPE` throw — which, raised inside an upstream's
 * `pipe()`, nobody can catch and which crashes the process. Installed only in byte mode.
 */
export function guardByteWrites(stream: Writable, where: string): void {
  const write = stream.write;
  stream.write = function checkedWrite(this: Writable, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk !== 'string' && !ArrayBuffer.isView(chunk)) {
      const err = new InvalidChunkError(
        where,
        chunk,
        `${where} was written ${describe(chunk)}, but its writable side is a byte stream (Buffer, Uint8Array or ` +
          'string chunks) — set writableObjectMode: true (or objectMode) to accept other values',
      );
      this.destroy(err);
      return false;
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Writable['write'];
}
