/**
 * The errors `parallelMap` raises itself. An error thrown by the worker's function is not one of these:
 * it arrives rebuilt with its own name, message, stack and properties (see wire.ts).
 */
import { GenstreamError, registerErrorCode } from '../internal/errors.js';

/**
 * The worker module could not be used: it failed to load (not found, a syntax error, a throw at its top
 * level) or has no function under the export asked for. Raised at the first use of the stage, naming
 * the module and the export; `cause` is the loader's error when there is one.
 * Code `ERR_GENSTREAM_WORKER_LOAD`.
 *
 * @example
 * ```ts
 * import { run, toArray } from 'genstream';
 * import { parallelMap, WorkerLoadError } from 'genstream/workers';
 *
 * try {
 *   await run([1], parallelMap(new URL('./missing.js', import.meta.url)), toArray);
 * } catch (err) {
 *   if (err instanceof WorkerLoadError) console.error(err.module, err.exportName); // file:///…/missing.js default
 * }
 * ```
 */
export class WorkerLoadError extends GenstreamError {
  /** The module as a `file:` URL string. */
  readonly module: string;
  /** The export that was asked for (`'default'` unless `options.export` named another). */
  readonly exportName: string;
  constructor(message: string, module: string, exportName: string, cause?: unknown) {
    super('ERR_GENSTREAM_WORKER_LOAD', message, cause === undefined ? undefined : { cause });
    this.name = 'WorkerLoadError';
    this.module = module;
    this.exportName = exportName;
  }
}
registerErrorCode(WorkerLoadError, 'ERR_GENSTREAM_WORKER_LOAD');

/**
 * A worker thread died while items were in flight: it called `process.exit()`, ran out of memory (its
 * `resourceLimits`, `cause.code === 'ERR_WORKER_OUT_OF_MEMORY'`), or threw outside the function (an
 * uncaught error in a timer, say). The message names the module and the items in flight; no work starts
 * after it. Code `ERR_GENSTREAM_WORKER_CRASHED`.
 *
 * @example
 * ```ts
 * import { run, toArray } from 'genstream';
 * import { parallelMap, WorkerCrashError } from 'genstream/workers';
 *
 * const exits = new URL('data:text/javascript,export default () => process.exit(3)');
 * try {
 *   await run([1, 2], parallelMap(exits), toArray);
 * } catch (err) {
 *   if (err instanceof WorkerCrashError) console.error(err.exitCode); // 3
 * }
 * ```
 */
export class WorkerCrashError extends GenstreamError {
  /** The module as a `file:` URL string. */
  readonly module: string;
  /** The worker's exit code (1 after an uncaught error or running out of memory). */
  readonly exitCode: number;
  constructor(message: string, module: string, exitCode: number, cause?: unknown) {
    super('ERR_GENSTREAM_WORKER_CRASHED', message, cause === undefined ? undefined : { cause });
    this.name = 'WorkerCrashError';
    this.module = module;
    this.exitCode = exitCode;
  }
}
registerErrorCode(WorkerCrashError, 'ERR_GENSTREAM_WORKER_CRASHED');

/**
 * An item could not be sent to a worker, or a result back, because structured clone cannot copy it (a
 * function, a symbol, a class instance holding a native handle, ...). `index` is the item's 0-based
 * position in the stage's input; `cause` is the `DataCloneError`. Code `ERR_GENSTREAM_DATA_CLONE`.
 *
 * @example
 * ```ts
 * import { run, toArray } from 'genstream';
 * import { parallelMap, WorkerCloneError } from 'genstream/workers';
 *
 * const identity = new URL('data:text/javascript,export default (x) => x');
 * try {
 *   await run([{ n: 1 }, { f() {} }], parallelMap(identity), toArray);
 * } catch (err) {
 *   if (err instanceof WorkerCloneError) console.error(err.side, err.index); // item 1
 * }
 * ```
 */
export class WorkerCloneError extends GenstreamError {
  /** The 0-based position of the item (or of the item whose result failed) in the stage's input. */
  readonly index: number;
  /** `'item'`: the input could not be sent; `'result'`: the function's result could not come back. */
  readonly side: 'item' | 'result';
  constructor(message: string, index: number, side: 'item' | 'result', cause?: unknown) {
    super('ERR_GENSTREAM_DATA_CLONE', message, cause === undefined ? undefined : { cause });
    this.name = 'WorkerCloneError';
    this.index = index;
    this.side = side;
  }
}
registerErrorCode(WorkerCloneError, 'ERR_GENSTREAM_DATA_CLONE');
