/**
 * The pieces every benchmark case shares, so cases differ only in the stage under test: pre-built
 * input objects, one objectMode source Readable, one counting sink Writable, and a no-streams
 * "already-resolved" async iterator for the bare-generator floor.
 */
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';

/** One input object. Built once per process, before any timing. */
export interface Item {
  i: number;
}

export function makeItems(n: number): Item[] {
  const items = new Array<Item>(n);
  for (let i = 0; i < n; i++) items[i] = { i };
  return items;
}

/** objectMode source: pushes pre-built objects in its `_read` loop until `push()` says stop. */
export class ArraySource extends Readable {
  private next = 0;

  constructor(private readonly items: readonly Item[]) {
    super({ objectMode: true });
  }

  override _read(): void {
    const items = this.items;
    while (this.next < items.length) {
      if (!this.push(items[this.next++])) return;
    }
    this.push(null);
  }
}

/** A cheap per-item hash (an int32) that the checksum of a pass combines in order. */
export type ItemHash = (item: never) => number;

/**
 * The generic item hash: numbers as they are, strings by length and last character, arrays and plain
 * objects by their elements/values. Benchmarks with a known item shape pass a cheaper one.
 */
export function itemHash(x: unknown): number {
  if (typeof x === 'number') return x | 0;
  if (typeof x === 'string') return x.length === 0 ? 0 : Math.imul(x.length, 31) + x.charCodeAt(x.length - 1);
  if (Array.isArray(x)) {
    let h = x.length;
    for (let i = 0; i < x.length; i++) h = (Math.imul(h, 31) + itemHash(x[i])) | 0;
    return h;
  }
  if (x !== null && typeof x === 'object') {
    let h = 7;
    for (const k in x) h = (Math.imul(h, 31) + itemHash((x as Record<string, unknown>)[k])) | 0;
    return h;
  }
  return x === undefined ? 1 : 2;
}

/** Folds one item hash into an order-sensitive running checksum. */
export const fold = (sum: number, h: number): number => (Math.imul(sum, 31) + h) | 0;

/** Counts items and folds them into an order-sensitive checksum: what every pass reports. */
export class Tally {
  items = 0;
  checksum = 0;

  constructor(private readonly hash: ItemHash = itemHash) {}

  add(item: unknown): void {
    this.items++;
    this.checksum = (Math.imul(this.checksum, 31) + this.hash(item as never)) | 0;
  }

  result(value?: number): { items: number; checksum: number; value?: number } {
    return value === undefined ? { items: this.items, checksum: this.checksum } : { items: this.items, checksum: this.checksum, value };
  }
}

/** objectMode sink that counts and checksums what reaches it (in `_write` and `_writev`). */
export class CountingSink extends Writable {
  readonly tally: Tally;

  constructor(hash?: ItemHash, objectMode = true) {
    super({ objectMode });
    this.tally = new Tally(hash);
  }

  get count(): number {
    return this.tally.items;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.tally.add(chunk);
    cb();
  }

  override _writev(chunks: { chunk: unknown }[], cb: (err?: Error | null) => void): void {
    for (let i = 0; i < chunks.length; i++) this.tally.add(chunks[i].chunk);
    cb();
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * An async iterator over `items` whose `next()` returns an already-resolved promise: the cheapest
 * possible async source, so a generator over it measures the generator's own per-item cost.
 */
export function resolvedIterable<T>(items: readonly T[]): AsyncIterableIterator<T> {
  let next = 0;
  const it: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      return Promise.resolve(next < items.length ? { done: false, value: items[next++] } : DONE);
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/**
 * Runs `stages` (streams or generator functions) between a fresh source over `items` and a fresh
 * counting sink; resolves with the number and checksum of the items that reached the sink.
 */
export async function through(items: readonly Item[], stages: unknown[], hash?: ItemHash): Promise<{ items: number; checksum: number }> {
  const sink = new CountingSink(hash);
  // Generator functions are valid pipeline stages; @types/node's array overload only lists streams.
  await pipeline([new ArraySource(items), ...stages, sink] as unknown as readonly NodeJS.ReadWriteStream[]);
  return sink.tally.result();
}

/** objectMode sink that adds every item to `tally` (in `_write` and `_writev`). */
export function tallySink(tally: Tally): Writable {
  return new Writable({
    objectMode: true,
    write(item: unknown, _e, cb) {
      tally.add(item);
      cb();
    },
    writev(chunks, cb) {
      for (let i = 0; i < chunks.length; i++) tally.add(chunks[i].chunk);
      cb();
    },
  });
}

/** The line splitter a careful engineer writes by hand: decode, split with indexOf, push each line, keep the rest. */
export class HandLineSplitter extends Transform {
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.push(text.slice(start, end));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.rest = text.slice(start);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const last = this.rest + this.decoder.end();
    if (last.length > 0) this.push(last);
    cb();
  }
}
