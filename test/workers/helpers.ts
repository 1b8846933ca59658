/** Helpers shared by the genstream/workers tests. */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll } from 'vitest';

/** The `file:` URL of a worker module in test/workers/fixtures/. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/**
 * Counts the worker threads this process starts and how many are still alive (Node's `'worker'` event
 * on `process`), for the file it is called in: `started` only grows, `live` drops on each `'exit'`.
 */
export function trackWorkers(): { readonly started: number; readonly live: number } {
  const state = { started: 0, live: 0 };
  const onWorker = (w: Worker): void => {
    state.started++;
    state.live++;
    w.once('exit', () => state.live--);
  };
  beforeAll(() => {
    process.on('worker', onWorker);
  });
  afterAll(() => {
    process.off('worker', onWorker);
  });
  return state;
}
