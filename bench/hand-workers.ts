/**
 * What the two worker-thread benchmarks (`workers`, `workers-startup`) share: the worker modules in
 * bench/workers/, the inputs and checksums of the sha256 job, and the reference they are measured
 * against, a hand-written `node:worker_threads` loop: the code a careful engineer writes without a
 * library (fixed batches, a bound on the batches in flight per worker and on the results held, input
 * order), over the same per-item function module `parallelMap` is given.
 */
import { Worker } from 'node:worker_threads';

/** A `file:` URL of a module in bench/workers/. */
export const workerModule = (name: string): URL => new URL(`./workers/${name}`, import.meta.url);

/** sha256 of a 4 KiB buffer, then 99 more times of its digest; the hex digest (bench/workers/sha.mjs). */
export const SHA_MODULE = workerModule('sha.mjs');
/** Returns its item (bench/workers/identity.mjs). */
export const IDENTITY_MODULE = workerModule('identity.mjs');
const HAND_WORKER = workerModule('hand-worker.mjs');

export type Sha = (buf: Uint8Array) => string;

/** The per-item function itself, for the main-thread cases (the same module the workers load). */
export async function importSha(): Promise<Sha> {
  return ((await import(SHA_MODULE.href)) as { default: Sha }).default;
}

/** `n` distinct 4 KiB buffers (each its own ArrayBuffer): a fixed pattern with the index in the first 4 bytes. */
export function shaItems(n: number): Uint8Array[] {
  const template = new Uint8Array(4096);
  for (let j = 0; j < template.length; j++) template[j] = (j * 131 + 7) & 255;
  const items = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const b = template.slice();
    new DataView(b.buffer).setUint32(0, i);
    items[i] = b;
  }
  return items;
}

/** Item hash of a hex digest: its first 32 bits (the checksum folds them in order). */
export const hashHex = (hex: string): number => Number.parseInt(hex.slice(0, 8), 16) | 0;

/**
 * The node flags for a worker started from a file: none but `--cpu-prof…` (so `--profile` still
 * profiles it), as under a plain `node app.js`. Inheriting them, a file worker would run the bench
 * child's `--import tsx` and load tsx again (~45 ms a worker on the 2-core VM), which an application
 * does not pay, and `parallelMap`'s workers (started from source text) do not either. For the hand loop
 * and piscina.
 */
export function plainExecArgv(): string[] {
  return process.execArgv.filter((flag) => flag.startsWith('--cpu-prof'));
}

/** Items per message, as `parallelMap`'s default `batchSize`. */
export const HAND_BATCH = 64;
/** Batches in flight per worker: one running, the next one waiting. */
const PER_WORKER = 2;

interface Reply<O> {
  id: number;
  values: O[];
}

/**
 * The hand loop: `threads` workers started up front, each running bench/workers/hand-worker.mjs over
 * `module`; batches of {@link HAND_BATCH} items, at most {@link PER_WORKER} in flight per worker (a
 * worker that answers gets the next batch at once), results yielded in input order, at most 4 ×
 * the batches in flight read and not yet yielded (a slow consumer stops the sending). Every worker is
 * terminated when the generator ends, however it ends.
 */
export async function* handParallelMap<I, O>(items: Iterable<I>, module: URL, threads: number): AsyncGenerator<O, void, undefined> {
  const maxHeld = 4 * PER_WORKER * threads;
  const execArgv = plainExecArgv();
  const workers = Array.from({ length: threads }, () => new Worker(HAND_WORKER, { workerData: { module: module.href }, execArgv }));
  const inFlight = new Array<number>(threads).fill(0);
  const answered = new Map<number, O[]>(); // by batch number, until its turn
  const it = items[Symbol.iterator]();
  let sent = 0; // batches sent
  let taken = 0; // batches handed to the consumer
  let sourceDone = false;
  let closing = false;
  let failure: { err: unknown } | null = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  /** Sends the next batch to worker `w` if the source has items and the bound allows. */
  const sendTo = (w: number): void => {
    if (sourceDone || failure !== null || sent - taken >= maxHeld) return;
    const batch: I[] = [];
    while (batch.length < HAND_BATCH) {
      const r = it.next();
      if (r.done === true) {
        sourceDone = true;
        break;
      }
      batch.push(r.value);
    }
    if (batch.length === 0) return;
    workers[w].postMessage({ id: sent++, items: batch });
    inFlight[w]++;
  };
  const refill = (): void => {
    for (let k = 0; k < PER_WORKER; k++) for (let w = 0; w < threads; w++) if (inFlight[w] < PER_WORKER) sendTo(w);
  };

  workers.forEach((worker, w) => {
    worker.on('message', (reply: Reply<O>) => {
      inFlight[w]--;
      answered.set(reply.id, reply.values);
      sendTo(w);
      notify();
    });
    worker.on('error', (err: Error) => {
      failure ??= { err };
      notify();
    });
    worker.on('exit', (code: number) => {
      if (!closing) failure ??= { err: new Error(`hand loop: a worker exited with code ${code}`) };
      notify();
    });
  });

  try {
    refill();
    for (;;) {
      let values = answered.get(taken);
      while (values === undefined) {
        const f = failure as { err: unknown } | null; // set by the workers' listeners
        if (f !== null) throw f.err;
        if (sourceDone && taken === sent) return;
        await new Promise<void>((resolve) => (wake = resolve));
        values = answered.get(taken);
      }
      answered.delete(taken);
      taken++;
      refill();
      for (let i = 0; i < values.length; i++) yield values[i];
    }
  } finally {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
