/**
 * The pieces every benchmark case shares, so cases differ only in the stage under test: pre-built
 * input objects, one objectMode source Readable, one counting sink Writable, and a no-streams
 * "already-resolved" async iterator for the bare-generator floor.
 */
import { Readable, Writable } from 'node:stream';
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

/** objectMode sink that only counts what reaches it (in `_write` and `_writev`). */
export class CountingSink extends Writable {
  count = 0;

  constructor() {
    super({ objectMode: true });
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.count++;
    cb();
  }

  override _writev(chunks: { chunk: unknown }[], cb: (err?: Error | null) => void): void {
    this.count += chunks.length;
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
 * counting sink; resolves with the number of items that reached the sink.
 */
export async function through(items: readonly Item[], ...stages: unknown[]): Promise<number> {
  const sink = new CountingSink();
  // Generator functions are valid pipeline stages; @types/node's array overload only lists streams.
  await pipeline([new ArraySource(items), ...stages, sink] as unknown as readonly NodeJS.ReadWriteStream[]);
  return sink.count;
}
