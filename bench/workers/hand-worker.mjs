// The worker script of the workers benchmarks' hand-written worker_threads loop: imports the per-item function (workerData.module's default export), answers each { id, items } batch with { id, values }.
import { parentPort, workerData } from 'node:worker_threads';

const { default: fn } = await import(workerData.module);

parentPort.on('message', ({ id, items }) => {
  const values = new Array(items.length);
  for (let i = 0; i < items.length; i++) values[i] = fn(items[i]);
  parentPort.postMessage({ id, values });
});
