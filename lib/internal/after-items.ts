/**
 * "An error comes after the items produced before it." Destroying a Readable drops what its buffer
 * holds, so a stream whose producer fails while items wait for a consumer that *is* reading (flowing,
 * or iterated through `'readable'`) keeps the error back until the buffer is empty, then destroys.
 * The owning stream calls `afterRead()` from its `read()` (one field check per read). A stream nobody
 * consumes yet is destroyed at once: there is no reader to hand the items to.
 */
import type { Readable } from 'node:stream';

export class ErrorAfterItems {
  private pending = false;
  private error: unknown = undefined;

  constructor(private readonly stream: Readable) {}

  /** Destroys the stream with `err` now, or once a reading consumer has taken the buffered items. */
  fail(err: unknown): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    if (stream.readableLength > 0 && stream.readableFlowing !== null) {
      this.pending = true;
      this.error = err;
    } else stream.destroy(err as Error);
  }

  afterRead(): void {
    if (this.pending && this.stream.readableLength === 0) {
      this.pending = false;
      this.stream.destroy(this.error as Error);
    }
  }

  /** The stream is being destroyed anyway (a later error, or `destroy()` from outside). */
  cancel(): void {
    this.pending = false;
    this.error = undefined;
  }
}
