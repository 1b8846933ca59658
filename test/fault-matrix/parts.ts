/**
 * The building blocks of the fault matrix: counted generators (source, middle stage), test-owned
 * ("foreign") streams with a counted `_destroy`, and the consumer. Each takes `faulty`: whether it is
 * the cell's faulty element; only that one injects the cell's fault, the others just pass items on.
 */
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { Cell, rejectSoon, type Action } from './cell.js';

/** The items of source `a` (0..N-1), and of the second source `b` in merge/zip (100..). */
export function itemsOf(offset: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => offset + i);
}

/** What a consumer received (one lane; `tee` has two). */
export interface Lane {
  label: string;
  /** `'sink'`: the cell's consumer (it may be the faulty element and it fires external faults). */
  role: 'sink' | 'bystander';
  arrived: unknown[];
}

/**
 * Does an internal action: `throw` throws synchronously, `reject` returns a promise that rejects one
 * macrotask later (await it), `return` is returned for the caller to stop.
 */
function act(cell: Cell, action: Action | undefined): Promise<never> | 'return' | undefined {
  if (action === 'throw') throw cell.err;
  if (action === 'reject') return rejectSoon(cell.err);
  return action === 'return' ? 'return' : undefined;
}

/** An async generator source over `items`, counting its start and `finally`. */
export function asyncSource(cell: Cell, label: string, items: readonly unknown[], faulty: boolean) {
  const probe = cell.gen(label);
  return async function* source(): AsyncGenerator<unknown, void, undefined> {
    probe.started++;
    try {
      if (faulty) await act(cell, cell.at('source', 'start'));
      for (let i = 0; i < items.length; i++) {
        const a = faulty ? act(cell, cell.at('source', i)) : undefined;
        if (a !== undefined) await a;
        yield items[i];
      }
      if (faulty) {
        await act(cell, cell.at('source', 'flush'));
        cell.flushed('source');
      }
    } finally {
      probe.finallies++;
    }
  };
}

/** A sync generator source (the `throw` kind at the source: a truly synchronous throw from `next()`). */
export function syncSource(cell: Cell, label: string, items: readonly unknown[]) {
  const probe = cell.gen(label);
  return function* source(): Generator<unknown, void, undefined> {
    probe.started++;
    try {
      if (cell.at('source', 'start') === 'throw') throw cell.err;
      for (let i = 0; i < items.length; i++) {
        if (cell.at('source', i) === 'throw') throw cell.err;
        yield items[i];
      }
      if (cell.at('source', 'flush') === 'throw') throw cell.err;
    } finally {
      probe.finallies++;
    }
  };
}

/** A pass-through generator stage (the middle), counting its start and `finally`. */
export function middleStage(cell: Cell, label: string, faulty: boolean) {
  const probe = cell.gen(label);
  return async function* middle(source: AsyncIterable<unknown>): AsyncGenerator<unknown, void, undefined> {
    probe.started++;
    try {
      const first = faulty ? act(cell, cell.at('middle', 'start')) : undefined;
      if (first === 'return') return;
      if (first !== undefined) await first;
      let i = 0;
      for await (const x of source) {
        const a = faulty ? act(cell, cell.at('middle', i)) : undefined;
        if (a === 'return') return;
        if (a !== undefined) await a;
        yield x;
        i++;
      }
      if (faulty) {
        await act(cell, cell.at('middle', 'flush'));
        cell.flushed('middle');
      }
    } finally {
      probe.finallies++;
    }
  };
}

/**
 * A foreign object-mode Readable (like an fs stream or a socket): pushes `items` asynchronously, one
 * per `_read`. Faults: `throw` — `_read` throws synchronously (Node destroys the stream with it);
 * external kinds act on it; at `flush` it has pushed every item but not yet `null`.
 */
export class FakeSource extends Readable {
  private destroyCount = 0;
  private i = 0;
  private started = false;

  constructor(
    private readonly cell: Cell,
    readonly label: string,
    private readonly items: readonly unknown[],
    private readonly faulty: boolean,
    options: { highWaterMark?: number; signal?: AbortSignal } = {},
  ) {
    super({ objectMode: true, highWaterMark: options.highWaterMark, signal: options.signal });
    cell.counted.push({ label, destroys: () => this.destroyCount });
  }

  override _read(): void {
    const cell = this.cell;
    if (this.faulty) {
      if (!this.started && cell.at('source', 'start') === 'throw') throw cell.err;
      const point = this.i < this.items.length ? this.i : 'flush';
      if (cell.at('source', point) === 'throw') throw cell.err;
    }
    this.started = true;
    setImmediate(() => {
      if (this.destroyed) return;
      if (this.i < this.items.length) this.push(this.items[this.i++]);
      else {
        // Flush: every item was pushed, the end not yet (after push(null) with an empty buffer Node
        // already counts a Readable as finished, and destroy() would not be a premature close).
        if (this.faulty) cell.flushed('source');
        if (!this.destroyed) this.push(null);
      }
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.destroyCount++;
    cb(err);
  }
}

/**
 * A foreign pass-through object-mode Transform (like csv-parse). Faults: `throw` — `cb(err)`
 * synchronously; `reject` — `cb(err)` one macrotask later; `return` — ends its readable side early
 * (`push(null)`) and drops the rest of its input, like a `head`; external kinds act on it.
 */
export class FakeTransform extends Transform {
  private destroyCount = 0;
  private i = 0;
  private started = false;
  private endedEarly = false;

  constructor(
    private readonly cell: Cell,
    readonly label: string,
    private readonly faulty: boolean,
    options: { highWaterMark?: number; signal?: AbortSignal } = {},
  ) {
    super({ objectMode: true, highWaterMark: options.highWaterMark, signal: options.signal });
    cell.counted.push({ label, destroys: () => this.destroyCount });
  }

  private fail(action: Action | undefined, cb: TransformCallback): boolean {
    if (action === 'throw') cb(this.cell.err);
    else if (action === 'reject') setImmediate(() => cb(this.cell.err));
    else if (action === 'return') {
      this.endedEarly = true;
      this.push(null);
      cb();
    } else return false;
    return true;
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, cb: TransformCallback): void {
    if (this.endedEarly) return cb(); // stopped early: the rest of the input is not wanted
    if (this.faulty) {
      if (!this.started && this.fail(this.cell.at('middle', 'start'), cb)) return;
      this.started = true;
      if (this.fail(this.cell.at('middle', this.i), cb)) return;
    }
    this.i++;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.faulty && !this.endedEarly) {
      if (this.fail(this.cell.at('middle', 'flush'), cb)) return;
      this.cell.flushed('middle');
      if (this.destroyed) return;
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.destroyCount++;
    cb(err);
  }
}

/**
 * A foreign object-mode Writable (like an fs write stream), recording what it receives in `lane`.
 * It is the consumer of its topology: it fires the external faults (like {@link consume}). Faults:
 * `throw` — the write callback fails synchronously; `reject` — one macrotask later; `before-read`:
 * its first write is held DELAY_TICKS macrotasks first; at `flush` it is in `_final`.
 */
export class FakeSink extends Writable {
  private destroyCount = 0;
  private count = 0;

  constructor(
    private readonly cell: Cell,
    readonly label: string,
    private readonly lane: Lane,
    private readonly faulty: boolean,
    options: { highWaterMark?: number; signal?: AbortSignal } = {},
  ) {
    super({ objectMode: true, highWaterMark: options.highWaterMark, signal: options.signal });
    cell.counted.push({ label, destroys: () => this.destroyCount });
  }

  private fail(action: Action | undefined, cb: (err?: Error | null) => void): boolean {
    if (action === 'throw') cb(this.cell.err);
    else if (action === 'reject') setImmediate(() => cb(this.cell.err));
    else return false;
    return true;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.count === 0 && this.cell.timing === 'before-read') {
      void this.cell.beforeRead(true).then(() => {
        if (!this.destroyed) this.accept(chunk, cb, true);
      });
    } else this.accept(chunk, cb, this.count === 0);
  }

  private accept(chunk: unknown, cb: (err?: Error | null) => void, first: boolean): void {
    const cell = this.cell;
    if (this.faulty && first && this.fail(cell.at('sink', 'start'), cb)) return;
    if (this.faulty && this.fail(cell.at('sink', this.count), cb)) return;
    this.lane.arrived.push(chunk);
    this.count++;
    const wait = cell.afterItem(this.count, true, cell.slow);
    if (wait === undefined) cb();
    else
      void wait.then(() => {
        if (!this.destroyed) cb();
      });
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.faulty) {
      if (this.fail(this.cell.at('sink', 'flush'), cb)) return;
      this.cell.flushed('sink');
      if (this.destroyed) return;
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.destroyCount++;
    cb(err);
  }
}

export interface ConsumeOptions {
  /** The cell's faulty element is this consumer. */
  faulty: boolean;
  /** `'fn'`: a sink function (returns without reading to stop early); `'loop'`: for-await code over an iterator (calls `return()`). */
  style: 'fn' | 'loop';
  /** How many items it gets when nothing fails (a `return` at `flush` stops on the last one). */
  total: number;
}

/**
 * The consumer: a sink function or a `for await` loop over `source`, recording into `lane`. The `sink`
 * lane fires external faults; in `backpressure` cells it is slow (one macrotask per item).
 */
export async function consume(cell: Cell, source: AsyncIterable<unknown>, lane: Lane, o: ConsumeOptions): Promise<void> {
  const fires = lane.role === 'sink';
  if (cell.timing === 'before-read') await cell.beforeRead(fires);
  if (o.faulty) {
    const a = act(cell, cell.at('sink', 'start'));
    if (a === 'return') {
      // Stops before its first read: a loop returns its iterator, a sink function just returns.
      if (o.style === 'loop') await (source as unknown as AsyncIterator<unknown>).return?.();
      return;
    }
    if (a !== undefined) await a;
  }
  let count = 0;
  for await (const x of source) {
    const a = o.faulty ? act(cell, cell.at('sink', count)) : undefined;
    if (a === 'return') break;
    if (a !== undefined) await a;
    lane.arrived.push(x);
    count++;
    if (o.faulty && cell.kind === 'return' && cell.timing === 'flush' && count === o.total) break;
    const wait = cell.afterItem(count, fires, fires && cell.slow);
    if (wait !== undefined) await wait;
  }
  if (o.faulty) {
    await act(cell, cell.at('sink', 'flush'));
    cell.flushed('sink');
  }
}

/**
 * A sink for `toWritable`/`run`: `consume` as a sink function, or — for a synchronous throw before
 * the first read — a plain function that throws at once.
 */
export function sinkFunction(cell: Cell, lane: Lane, faulty: boolean, total: number): (source: AsyncIterable<unknown>) => unknown {
  if (faulty && cell.kind === 'throw' && cell.timing === 'before-read') {
    return () => {
      cell.injected = true;
      throw cell.err;
    };
  }
  return (source) => consume(cell, source, lane, { faulty, style: 'fn', total });
}

