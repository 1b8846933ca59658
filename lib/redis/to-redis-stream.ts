import { describe, GenstreamArgumentError } from '../internal/errors.js';
import { checkOptions, checkPositiveInt, fail } from '../internal/validate.js';
import type { RedisArg, RedisClientLike } from './client.js';
import { execAll } from './consumer.js';

/** An entry to add: its fields (values are strings, numbers or Buffers). */
export type RedisStreamFields = Readonly<Record<string, RedisArg>>;

/** Options of {@link toRedisStream}. */
export interface ToRedisStreamOptions {
  /** The stream's key. */
  stream: string;
  /** Trim the stream to about this many entries as it grows (XADD MAXLEN). Default: no trimming. */
  maxLen?: number;
  /** Trim with `~` (default `true`): Redis trims whole nodes, much cheaper, keeping at least `maxLen`. */
  approximate?: boolean;
  /** Entries per round trip at most (XADDs pipelined together; default 100). */
  batchSize?: number;
}

/**
 * A sink that appends every item to a Redis stream (XADD `*`, ids by Redis), pipelining up to
 * `batchSize` XADDs per round trip. One round trip is in flight at a time: items that arrive meanwhile
 * wait for it and go in the next one, so batches grow under load and a lone item goes at once. The
 * source is not read while `batchSize` items wait (backpressure). Resolves with the number of entries
 * once Redis has confirmed every one; a Redis error rejects with the client's error object, and no
 * later item is sent. So does an error of the source or an item that is not an object of fields: nothing
 * more is sent, and the promise rejects with that error once the round trip in flight is done (no write
 * follows it). Use it as the last argument of `run()`/`chain()`, or as a Writable with
 * `toWritable(toRedisStream(...))`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { map, run } from 'genstream';
 * import { toRedisStream } from 'genstream/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const events = [{ type: 'signup', user: 1 }, { type: 'login', user: 1 }];
 * const sink = toRedisStream(redis, { stream: 'jobs', maxLen: 1_000_000 });
 * const added = await run(events, map((e) => ({ type: e.type, body: JSON.stringify(e) })), sink);
 * console.log(added); // 2
 * redis.disconnect();
 * ```
 */
export function toRedisStream<T extends { [K in keyof T]: RedisArg } = RedisStreamFields>(
  client: RedisClientLike,
  options: ToRedisStreamOptions,
): (source: AsyncIterable<T> | Iterable<T>) => Promise<number> {
  const where = 'toRedisStream';
  const c = client as Partial<RedisClientLike> | null;
  if (c === null || typeof c !== 'object' || typeof c.pipeline !== 'function') fail(where, '`client` to be a Redis client such as ioredis `new Redis(url)` (with pipeline)', client);
  if (options === undefined) fail(where, '`options` with `stream`', options);
  checkOptions(where, options);
  if (typeof options.stream !== 'string' || options.stream === '') fail(where, '`options.stream` to be a non-empty string', options.stream);
  if (options.maxLen !== undefined) checkPositiveInt(where, 'options.maxLen', options.maxLen);
  if (options.approximate !== undefined && typeof options.approximate !== 'boolean') fail(where, '`options.approximate` to be a boolean', options.approximate);
  if (options.batchSize !== undefined) checkPositiveInt(where, 'options.batchSize', options.batchSize);
  const head: RedisArg[] = [options.stream];
  if (options.maxLen !== undefined) head.push('MAXLEN', options.approximate === false ? '=' : '~', options.maxLen);
  head.push('*');
  const batchSize = options.batchSize ?? 100;

  return async function toRedisStreamSink(source: AsyncIterable<T> | Iterable<T>) {
    let written = 0;
    let index = 0;
    let waiting: RedisArg[][] = [];
    let inFlight: Promise<void> | null = null;
    let failure: { err: unknown } | null = null;
    const send = (): void => {
      const batch = waiting;
      waiting = [];
      const p = client.pipeline();
      for (const args of batch) p.call('XADD', ...args);
      inFlight = execAll(p).then(
        () => {
          written += batch.length;
          inFlight = null;
          if (waiting.length > 0 && failure === null) send(); // what arrived meanwhile goes now
        },
        (err: unknown) => {
          failure ??= { err };
          inFlight = null;
        },
      );
    };
    try {
      for await (const item of source) {
        if (failure !== null) break;
        waiting.push([...head, ...flatten(where, item, index++)]);
        if (inFlight === null) send();
        // Backpressure: wait for the round trip in flight; when it is done, what waits goes out (send()
        // above), and the source is read again while that batch is on its way.
        else if (waiting.length >= batchSize) await inFlight;
      }
    } catch (err) {
      failure ??= { err }; // the source failed or an item is bad: nothing more is sent, and the round trip in flight ends first
    }
    while (inFlight !== null) await inFlight;
    if (failure === null && waiting.length > 0) {
      send();
      while (inFlight !== null) await inFlight;
    }
    if (failure !== null) throw (failure as { err: unknown }).err;
    return written;
  };
}

function flatten(where: string, item: unknown, index: number): RedisArg[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new GenstreamArgumentError(`${where}: item ${index} is ${describe(item)}; expected an object of fields, such as { type: 'order', body: '...' }`);
  }
  const args: RedisArg[] = [];
  for (const [field, value] of Object.entries(item)) {
    if (typeof value !== 'string' && typeof value !== 'number' && !Buffer.isBuffer(value)) {
      throw new GenstreamArgumentError(`${where}: field "${field}" of item ${index} is ${describe(value)}; a field value is a string, a number or a Buffer (JSON.stringify objects)`);
    }
    args.push(field, value);
  }
  if (args.length === 0) throw new GenstreamArgumentError(`${where}: item ${index} has no fields; a stream entry needs at least one`);
  return args;
}
