/**
 * genstream/workers: CPU-bound stages on worker threads (`node:worker_threads`, no dependency).
 *
 * Every export is named here (no `export *`).
 *
 * @module genstream/workers
 */
export { parallelMap, type ParallelMapOptions, type WorkerModule } from './parallel-map.js';
export { WorkerLoadError, WorkerCrashError, WorkerCloneError } from './errors.js';
