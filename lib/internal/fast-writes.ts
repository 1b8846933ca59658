/**
 * The object-mode write fast path shared by the streams whose writable side feeds an Inbox (`fromGen`,
 * `chain`'s generator stages, `toWritable`): a plain `write(chunk)` while Node's writable side is idle
 * goes straight into the inbox, skipping the Writable's per-chunk state, callback and after-write
 * tick; the inbox answers false at its limit and the owner emits `'drain'` once it has been emptied.
 * And when the consumer finds the inbox empty, the owner reads its piped upstream itself (one step of
 * the pipe's own flow, now instead of on a later tick).
 */
import { Writable, type Readable } from 'node:stream';
import type { Inbox } from './inbox.js';

type WriteCallback = (err: Error | null | undefined) => void;

const nodeNeedDrain = Object.getOwnPropertyDescriptor(Writable.prototype, 'writableNeedDrain')?.get as (this: Writable) => boolean;

/** What the fast path needs of its stream. */
export interface FastWriter {
  readonly fastInbox: Inbox<unknown>;
  upstream: Readable | null;
}

/**
 * `true` when `write(chunk, encoding, cb)` may go straight into the inbox: no callback, not null,
 * and Node's side idle (writable, nothing buffered or being written, not corked). Order holds: such a
 * write only happens while Node's buffer is empty, and Node's path also feeds the inbox.
 */
export function canWriteDirectly(stream: Writable, chunk: unknown, encoding: unknown, cb: unknown): boolean {
  return cb === undefined && typeof encoding !== 'function' && chunk !== null && stream.writable && stream.writableLength === 0 && stream.writableCorked === 0;
}

/** `writableNeedDrain` also reports a `write()` the inbox refused and has not drained yet. */
export function reportInboxDrain(proto: object): void {
  Object.defineProperty(proto, 'writableNeedDrain', {
    configurable: true,
    get(this: Writable & FastWriter): boolean {
      return nodeNeedDrain.call(this) || (this.fastInbox.draining && this.writable);
    },
  });
}

/** Wires the inbox's `onDrain` and `refill` hooks to `stream`. */
export function connectFastWrites(stream: Writable & FastWriter): void {
  const inbox = stream.fastInbox;
  inbox.onDrain = () => {
    if (stream.writable) stream.emit('drain');
  };
  let reading = false;
  inbox.refill = () => {
    const src = stream.upstream;
    if (src === null || reading) return;
    reading = true; // a consumer calling next() again from inside this read waits instead
    try {
      // Only while the upstream flows, i.e. while its pipe would deliver these chunks on the next
      // tick anyway; stops when the inbox is full (the pipe then pauses the upstream) or it is empty.
      while (!inbox.full && src.readableFlowing === true && src.read() !== null);
    } finally {
      reading = false;
    }
  };
}

export type { WriteCallback };
