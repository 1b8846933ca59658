import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { GenstreamArgumentError } from '../internal/errors.js';
import { generatorOperator, type Operator } from '../internal/operator.js';
import type { AnyIterable } from '../internal/types.js';
import { checkOptions, checkPositiveInt, fail } from '../internal/validate.js';
import { runParallel, type RunConfig } from './run.js';

/** Options of {@link parallelMap}. */
export interface ParallelMapOptions {
  /** How many worker threads at most (default `os.availableParallelism()`). They start as work needs them. */
  threads?: number;
  /** Keep input order (default `true`). With `false`, results come as their batch finishes. */
  ordered?: boolean;
  /**
   * Items per message to a worker (default 64). A message costs about as much as a few cheap items, so
   * batching is what makes a worker pay off (README "Parallel stages" has the measurements). A batch is
   * sent before it is full when the source goes quiet (nothing new within a turn of the event loop).
   */
  batchSize?: number;
  /** Batches in the workers at once (default `2 × threads`: each worker has the next batch waiting). */
  concurrency?: number;
  /**
   * Batches held between the source and the consumer: the ones in the workers plus answered ones not yet
   * taken (waiting behind a slower earlier batch, or for a slow consumer). At the limit the source is not
   * read. Default `4 × concurrency`; at least `concurrency`. So at most
   * `(maxBuffered + 1) × batchSize` items are read and not yet taken, and `concurrency × batchSize` are
   * in the workers.
   */
  maxBuffered?: number;
  /** The module's export to call for each item (default `'default'`). */
  export?: string;
  /**
   * Move `ArrayBuffer`s instead of copying them: `true` for items and results, or pick a side. An item
   * or result that is an `ArrayBuffer`, or a Buffer/typed array covering its whole buffer, is
   * transferred (it is empty on the sending side afterwards); a view into a larger buffer, such as a small
   * Buffer from Node's pool, is copied.
   */
  transfer?:
    | boolean
    | {
        /** Transfer the items' buffers to the workers. */
        items?: boolean;
        /** Transfer the results' buffers back. */
        results?: boolean;
      };
  /** Passed to each `Worker` (`maxOldGenerationSizeMb`, ...); a worker over its limit fails the stage. */
  resourceLimits?: ResourceLimits;
  /** Aborting it stops the stage at once: queued and running work is dropped, the workers terminated. */
  signal?: AbortSignal;
  /** Names the stage in errors. */
  name?: string;
}

/** A module for {@link parallelMap}: a `URL` (`file:` or `data:`) or an absolute path. */
export type WorkerModule = URL | string;

/**
 * Maps every item through a function that runs in worker threads: the stage for CPU-bound work
 * (hashing, parsing, compressing, scoring) that one event loop cannot spread over the machine's cores.
 * I/O-bound work wants `map(fn, { concurrency })` instead: a worker only adds copying to it.
 *
 * `module` is a `URL` or an absolute path of an ES or CommonJS module whose default export (or the
 * export named by `options.export`) is the per-item function, sync or async. Items and results are
 * copied by structured clone (or moved, see `transfer`), so they must be plain data.
 *
 * A genstream stage: use it in `chain`/`pipe`/`run`, in `stream.pipeline`, with `fromGen`, or call it on
 * an iterable. Behaviour:
 * - Backpressure: items travel in batches; `concurrency` batches are in the workers at most, and a slow
 *   consumer stops the reading (see `maxBuffered`).
 * - Order: input order by default, and a slow batch does not stall the workers; `ordered: false` yields
 *   as batches finish.
 * - Errors: a throw in the function arrives with its name, message, stack and own properties (`code`,
 *   ...); no new work starts after it. A worker that dies is a `WorkerCrashError`, a module that cannot
 *   be used a `WorkerLoadError`, an item or result that cannot be copied a `WorkerCloneError` naming
 *   the item's index.
 * - Cleanup: no worker starts before the first item is asked for. When the stage ends (done, error,
 *   early exit, `destroy()`, abort) queued work is dropped and every worker is terminated before the
 *   stage settles; an idle worker never keeps the process alive.
 *
 * @example
 * ```ts
 * import { run, toArray } from 'genstream';
 * import { parallelMap } from 'genstream/workers';
 *
 * // Usually a file next to this one: new URL('./hash-worker.js', import.meta.url).
 * const worker = new URL("data:text/javascript,import { createHash } from 'node:crypto'; export default (b) => createHash('sha256').update(b).digest('hex');");
 * const hash = parallelMap<Buffer, string>(worker, { threads: 2 });
 * const digests = await run([Buffer.from('a'), Buffer.from('b')], hash, toArray);
 * console.log(digests); // two sha256 hex digests, in input order
 * ```
 */
export function parallelMap<I = unknown, O = unknown>(module: WorkerModule, options: ParallelMapOptions = {}): Operator<I, Awaited<O>> {
  const where = options?.name === undefined ? 'parallelMap' : `parallelMap "${options.name}"`;
  const url = moduleUrl(where, module);
  checkOptions(where, options);
  const o = options;
  for (const key of ['threads', 'batchSize', 'concurrency', 'maxBuffered'] as const) {
    if (o[key] !== undefined) checkPositiveInt(where, `options.${key}`, o[key]);
  }
  if (o.ordered !== undefined && typeof o.ordered !== 'boolean') fail(where, '`options.ordered` to be a boolean', o.ordered);
  if (o.export !== undefined && (typeof o.export !== 'string' || o.export === '')) fail(where, '`options.export` to be an export name', o.export);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) fail(where, '`options.signal` to be an AbortSignal', o.signal);
  if (o.name !== undefined && typeof o.name !== 'string') fail(where, '`options.name` to be a string', o.name);
  if (o.resourceLimits !== undefined && (o.resourceLimits === null || typeof o.resourceLimits !== 'object')) {
    fail(where, '`options.resourceLimits` to be an object', o.resourceLimits);
  }
  const transfer = transferSides(where, o.transfer);
  const threads = o.threads ?? availableParallelism();
  const concurrency = o.concurrency ?? 2 * threads;
  const maxBuffered = o.maxBuffered ?? 4 * concurrency;
  if (maxBuffered < concurrency) {
    const which = o.concurrency === undefined ? `the concurrency (${concurrency}: the default, 2 × threads)` : `\`options.concurrency\` (${concurrency})`;
    fail(where, `\`options.maxBuffered\` to be at least ${which}`, maxBuffered);
  }
  const cfg: RunConfig = {
    where,
    spec: { url, exportName: o.export ?? 'default', transferResults: transfer.results },
    threads,
    batchSize: o.batchSize ?? 64,
    concurrency,
    maxBuffered,
    ordered: o.ordered ?? true,
    transferItems: transfer.items,
    resourceLimits: o.resourceLimits,
    signal: o.signal,
  };
  // The operator's label stays `parallelMap` (failedStage); the stage's `name` goes into the messages.
  return generatorOperator<I, Awaited<O>>('parallelMap', (source: AnyIterable<I>, ctx?: unknown) => {
    const signal = (ctx as { signal?: unknown } | undefined)?.signal;
    return runParallel(cfg, source, signal instanceof AbortSignal ? signal : undefined) as AsyncGenerator<Awaited<O>, void, undefined>;
  }, where);
}

/** The module as a URL string: `file:`/`data:` URLs as given, absolute paths converted; else an argument error. */
function moduleUrl(where: string, module: unknown): string {
  if (module instanceof URL) {
    if (module.protocol === 'file:' || module.protocol === 'data:') return module.href;
    throw new GenstreamArgumentError(`${where}: expected \`module\` to be a file: or data: URL or an absolute path, got a ${module.protocol} URL (${module.href})`);
  } else if (typeof module === 'string') {
    if (module.startsWith('file:') || module.startsWith('data:')) return new URL(module).href;
    if (isAbsolute(module)) return pathToFileURL(module).href;
  }
  fail(where, '`module` to be a file: or data: URL or an absolute path (resolve a relative one with new URL(path, import.meta.url))', module);
}

function transferSides(where: string, transfer: unknown): { items: boolean; results: boolean } {
  if (transfer === undefined || typeof transfer === 'boolean') return { items: transfer === true, results: transfer === true };
  if (transfer !== null && typeof transfer === 'object') {
    const { items, results } = transfer as { items?: unknown; results?: unknown };
    if ((items === undefined || typeof items === 'boolean') && (results === undefined || typeof results === 'boolean')) {
      return { items: items === true, results: results === true };
    }
  }
  fail(where, '`options.transfer` to be a boolean or { items?: boolean, results?: boolean }', transfer);
}
