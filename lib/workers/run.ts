/**
 * One run of a `parallelMap` stage: reads the source into batches, keeps up to `concurrency` of them in
 * the workers and at most `maxBuffered` between the source and the consumer, and hands the results out
 * in input order (or as they come, unordered).
 *
 * Limits, in batches (the one being filled is not counted):
 *   sent    = batches in the workers                          <= concurrency
 *   held    = sent + answered ones not yet fully delivered    <= maxBuffered
 * so a slow batch does not stop the others (up to maxBuffered - concurrency answers wait behind it),
 * and a slow consumer stops the reading: at `held === maxBuffered` nothing more is read or sent.
 *
 * A partial batch is sent when the source goes quiet: one `setImmediate` per batch marks it stale, so a
 * slow source does not wait for a full batch, while a fast one (items arriving in microtasks) fills it.
 */
import { AbortError } from '../internal/errors.js';
import { Fifo } from '../internal/fifo.js';
import type { AnyIterable } from '../internal/types.js';
import { WorkerCloneError, WorkerLoadError, type WorkerCrashError } from './errors.js';
import { WorkerPool, type Sent } from './pool.js';
import { fromWire, restoreBuffers, scanValues, type LoadFailure, type WorkerReply, type WorkerSpec } from './wire.js';

/** Everything a run needs, fixed when the stage is made. */
export interface RunConfig {
  where: string;
  spec: WorkerSpec;
  threads: number;
  batchSize: number;
  concurrency: number;
  maxBuffered: number;
  ordered: boolean;
  transferItems: boolean;
  resourceLimits: import('node:worker_threads').ResourceLimits | undefined;
  signal: AbortSignal | undefined;
}

/** A batch in start order (ordered runs): its results wait here until delivered. */
interface Slot {
  id: number;
  values: unknown[] | null;
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

class ParallelRun {
  private readonly it: AnyIterator;
  private readonly sync: boolean;
  private readonly pool: WorkerPool;
  private readonly slots: Fifo<Slot> | null;
  private readonly byId = new Map<number, Slot>();
  private readonly ready: Fifo<unknown[]> | null;
  private batch: unknown[] = [];
  private batchStart = 0;
  private index = 0; // items read from the source
  private nextId = 0;
  private sent = 0;
  private held = 0;
  private stale = false; // the batch being filled waited a turn of the event loop
  private staleTimer: NodeJS.Immediate | null = null;
  private pulling = false;
  sourceDone = false;
  sourceError: { err: unknown } | null = null;
  failure: { err: unknown } | null = null;
  private closing = false;
  private wakeUp: (() => void) | null = null;
  private readonly signals: AbortSignal[];

  constructor(
    private readonly cfg: RunConfig,
    source: AnyIterable<unknown>,
    stageSignal: AbortSignal | undefined,
  ) {
    const asyncFn = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
    this.sync = typeof asyncFn !== 'function';
    this.it = this.sync ? (source as Iterable<unknown>)[Symbol.iterator]() : asyncFn!.call(source);
    this.slots = cfg.ordered ? new Fifo<Slot>() : null;
    this.ready = cfg.ordered ? null : new Fifo<unknown[]>();
    this.pool = new WorkerPool(cfg.spec, cfg.threads, cfg.resourceLimits, cfg.where, { reply: this.onReply, crash: this.onCrash });
    this.signals = [cfg.signal, stageSignal].filter((s): s is AbortSignal => s !== undefined);
    for (const s of this.signals) {
      if (s.aborted) this.onAbort();
      else s.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** Reads and sends while the limits allow. */
  fill(): void {
    while (!this.pulling && !this.sourceDone && this.failure === null && !this.closing) {
      if (this.batch.length >= this.cfg.batchSize && !this.send()) return;
      if (this.held >= this.cfg.maxBuffered) return;
      if (this.sync) {
        this.fillSync();
        continue;
      }
      let next: Promise<IteratorResult<unknown>>;
      try {
        next = (this.it as AsyncIterator<unknown>).next();
      } catch (err) {
        this.onPullFailed(err);
        return;
      }
      this.pulling = true;
      Promise.resolve(next).then(this.onPulled, this.onPullFailed);
    }
    if (this.batch.length > 0 && (this.sourceDone || this.stale)) this.send();
  }

  private readonly onPulled = (r: IteratorResult<unknown>): void => {
    this.pulling = false;
    if (this.closing) return; // a read that settled after the end: its item is dropped
    this.take(r);
    this.fill();
  };

  private readonly onPullFailed = (err: unknown): void => {
    this.pulling = false;
    if (this.closing) return; // a late failure of a source already returned: ignored
    this.sourceDone = true;
    this.sourceError = { err };
    this.fill(); // sends what was read before the failure
    this.wake();
  };

  /** A sync source fills the batch in one loop (one `try` per batch, not per item); it never goes quiet. */
  private fillSync(): void {
    const it = this.it as Iterator<unknown>;
    const batch = this.batch;
    const size = this.cfg.batchSize;
    if (batch.length === 0) this.batchStart = this.index;
    const before = batch.length;
    try {
      while (batch.length < size) {
        const r = it.next();
        if (r.done === true) {
          this.sourceDone = true;
          break;
        }
        batch.push(r.value);
      }
    } catch (err) {
      this.sourceDone = true;
      this.sourceError = { err };
    }
    this.index += batch.length - before;
    if (this.sourceDone) this.wake();
  }

  private take(r: IteratorResult<unknown>): void {
    if (r.done) {
      this.sourceDone = true;
      this.wake();
      return;
    }
    if (this.batch.length === 0) {
      this.batchStart = this.index;
      this.staleTimer ??= setImmediate(this.onStale);
    }
    this.index++;
    this.batch.push(r.value);
  }

  private readonly onStale = (): void => {
    this.staleTimer = null;
    this.stale = true;
    if (!this.pulling) this.fill();
    else if (this.batch.length > 0) this.send();
  };

  /** Sends the batch being filled if the limits allow; `false` when they do not. */
  private send(): boolean {
    if (this.sent >= this.cfg.concurrency || this.held >= this.cfg.maxBuffered || this.failure !== null || this.closing) return false;
    const items = this.batch;
    const id = this.nextId++;
    try {
      const { buffers, transfer } = scanValues(items, this.cfg.transferItems);
      this.pool.send(buffers === undefined ? { id, items } : { id, items, buffers }, { id, start: this.batchStart, size: items.length }, transfer);
    } catch (err) {
      this.fail(cloneFailure(this.cfg.where, items, this.batchStart, err));
      return false;
    }
    this.batch = [];
    this.stale = false;
    if (this.staleTimer !== null) {
      clearImmediate(this.staleTimer);
      this.staleTimer = null;
    }
    this.sent++;
    this.held++;
    if (this.slots !== null) {
      const slot: Slot = { id, values: null };
      this.slots.push(slot);
      this.byId.set(id, slot);
    }
    return true;
  }

  private readonly onReply = (reply: WorkerReply, sent: Sent | undefined): void => {
    if ('load' in reply) {
      this.fail(loadFailure(this.cfg, reply.load));
      return;
    }
    this.sent--;
    if (reply.error !== undefined) this.fail(fromWire(reply.error));
    else if (reply.cloneError !== undefined) {
      const index = (sent?.start ?? 0) + reply.values.length;
      const cause = fromWire(reply.cloneError);
      const why = cause instanceof Error ? cause.message.replace(/\.$/, '') : String(cause);
      this.fail(new WorkerCloneError(`${this.cfg.where}: the result for item ${index} cannot be sent back from the worker (structured clone): ${why}; return plain data`, index, 'result', cause));
    } else {
      restoreBuffers(reply.values, reply.buffers);
      if (this.slots !== null) {
        const slot = this.byId.get(reply.id)!;
        this.byId.delete(reply.id);
        slot.values = reply.values;
      } else this.ready!.push(reply.values);
    }
    this.fill();
    this.wake();
  };

  private readonly onCrash = (err: WorkerCrashError): void => {
    this.fail(err);
  };

  private readonly onAbort = (): void => {
    const reason = this.signals.find((s) => s.aborted)?.reason;
    this.fail(new AbortError(undefined, { cause: reason }));
  };

  private fail(err: unknown): void {
    if (this.failure === null) this.failure = { err };
    this.wake();
  }

  /** The next batch of results to deliver (the oldest one when ordered), or `null`. */
  takeResult(): unknown[] | null {
    if (this.slots !== null) {
      const head = this.slots.peek();
      if (head === undefined || head.values === null) return null;
      return this.slots.shift().values;
    }
    return this.ready!.size > 0 ? this.ready!.shift() : null;
  }

  /** The consumer asked for the item after the last of a batch: it no longer counts as held. */
  delivered(): void {
    this.held--;
    this.fill();
  }

  /** Everything read was delivered and the source is done. */
  get finished(): boolean {
    return this.sourceDone && !this.pulling && this.held === 0 && this.batch.length === 0;
  }

  readonly sleep = (resolve: () => void): void => {
    this.wakeUp = resolve;
  };

  private wake(): void {
    const w = this.wakeUp;
    if (w !== null) {
      this.wakeUp = null;
      w();
    }
  }

  /**
   * Stops the workers at once, then returns the source. A source in the middle of a read (its `next()`
   * pending, maybe for ever) is returned without waiting: its `return()` runs after that read (an async
   * generator's `finally` then runs, once) and a late rejection is ignored, so an abort never waits on it.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.staleTimer !== null) clearImmediate(this.staleTimer);
    for (const s of this.signals) s.removeEventListener('abort', this.onAbort);
    await this.pool.close();
    if (this.sourceDone || typeof this.it.return !== 'function') return;
    if (!this.pulling) {
      await this.it.return();
      return;
    }
    Promise.resolve(this.it.return()).catch(noop);
  }
}

/** Names the item that structured clone refused (the error path only: one clone per item). */
function cloneFailure(where: string, items: unknown[], start: number, err: unknown): unknown {
  for (let k = 0; k < items.length; k++) {
    try {
      structuredClone(items[k]);
    } catch (cloneErr) {
      return new WorkerCloneError(
        `${where}: item ${start + k} cannot be sent to a worker (structured clone): ${String((cloneErr as Error).message).replace(/\.$/, '')}; send plain data`,
        start + k,
        'item',
        cloneErr,
      );
    }
  }
  return err; // not a clone problem of one item (a transfer list problem, say): as postMessage threw it
}

function loadFailure(cfg: RunConfig, load: LoadFailure): WorkerLoadError {
  const { url, exportName } = cfg.spec;
  if (load.kind === 'export') {
    const exports = load.exports.length === 0 ? 'it has no exports' : `it exports ${load.exports.map((e) => `"${e}"`).join(', ')}`;
    return new WorkerLoadError(
      `${cfg.where}: ${url} has no function export "${exportName}" (got ${load.got}; ${exports}); export the per-item function, or name it with { export }`,
      url,
      exportName,
    );
  }
  const cause = fromWire(load.error);
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new WorkerLoadError(`${cfg.where}: cannot load the worker module ${url} (${why})`, url, exportName, cause);
}

/** The stage's generator: results out in order (or as they come), workers closed whatever the ending. */
export async function* runParallel(cfg: RunConfig, source: AnyIterable<unknown>, stageSignal: AbortSignal | undefined): AsyncGenerator<unknown, void, undefined> {
  const run = new ParallelRun(cfg, source, stageSignal);
  try {
    run.fill();
    for (;;) {
      if (run.failure !== null) break;
      const values = run.takeResult();
      if (values !== null) {
        for (let i = 0; i < values.length; i++) yield values[i];
        run.delivered();
        continue;
      }
      if (run.finished) break;
      await new Promise<void>(run.sleep);
    }
    const f = run.failure as { err: unknown } | null;
    if (f !== null) throw f.err;
    if (run.sourceError !== null) throw run.sourceError.err;
  } finally {
    await run.close();
  }
}

function noop(): void {}
