import { AlreadyUsedError } from '../internal/errors.js';
import { checkFunction, checkOptions, checkPositiveInt, fail } from '../internal/validate.js';
import type { RedisClientLike } from './client.js';
import { ConsumerRun, describeError, type ConsumerConfig, type RedisStreamMessage } from './consumer.js';

/** Options of {@link fromRedisStream}. */
export interface FromRedisStreamOptions {
  /** The stream's key. */
  stream: string;
  /** The consumer group; created (with the stream, MKSTREAM) if missing. */
  group: string;
  /**
   * This consumer's name in the group. Keep it stable across restarts: a restarted consumer first
   * takes back its own pending entries (those it had read and not acked).
   */
  consumer: string;
  /** Entries per read (XREADGROUP COUNT, default 100). */
  count?: number;
  /** How long one read waits for new entries (XREADGROUP BLOCK, default 2000 ms). */
  blockMs?: number;
  /**
   * An entry pending longer than this (its consumer died, or its handler failed) is claimed by a consumer
   * that is alive (XAUTOCLAIM, checked every `claimIdleMs`; default 60 000 ms). Entries this consumer is
   * working on are not claimed by others while it lives: their idle time is reset every
   * `claimIdleMs / 3` (a lease). So a handler may take longer than `claimIdleMs`; only an event loop
   * blocked for more than about two thirds of it lets a peer take its entries.
   */
  claimIdleMs?: number;
  /**
   * An entry delivered more than this many times (default `Infinity`) goes to `deadLetterStream`
   * instead of to the handler: a poison entry is moved aside, not redelivered forever.
   */
  maxDeliveries?: number;
  /** Where entries past `maxDeliveries` go; required with `maxDeliveries`. */
  deadLetterStream?: string;
  /** Where a new group starts: `'0'` (default: every entry already in the stream) or `'$'` (only new ones). */
  startId?: string;
  /**
   * Aborting stops the reading (a blocked read ends at once). Entries already handed out finish and are
   * acked; then the iteration (or `consume()`) ends. The client passed in stays connected and usable.
   */
  signal?: AbortSignal;
}

/** Options of {@link RedisStreamSource.consume}. */
export interface ConsumeOptions {
  /**
   * Called when `fn` fails on an entry (a failing window is run again one entry at a time, so the error
   * is an entry's own); the consumer then goes on, and the entry stays pending: it comes back after
   * `claimIdleMs`, until `maxDeliveries`. Without it, `consume()` rejects with the first such error; the
   * entries of the window before it are acked, it and the ones after it stay pending.
   */
  onError?: (err: unknown, window: readonly RedisStreamMessage[]) => void | Promise<void>;
}

/**
 * A consumer of a Redis Streams consumer group: an async iterable of entries with manual `ack()`, or
 * `consume(fn)` for the ack-after-sink mode. One-shot: iterate it or `consume()` it, once.
 */
export interface RedisStreamSource extends AsyncIterable<RedisStreamMessage> {
  /**
   * The ack-after-sink mode: for each read (a window of up to `count` entries), runs `fn` over the
   * window's messages and, once its promise resolves, acks every entry of the window in one XACK. So a
   * pipeline of genstream stages acks exactly what it finished, whatever its stages did with the entries:
   * dropped by `filter`, grouped by `batch`, reordered by `map(fn, { concurrency })`. Stages run once per
   * window, so state that spans windows (a `batch` left half full, a running total) ends with each one:
   * pass operators or functions, not stream instances. An entry delivered before (its window failed, or
   * its consumer died) gets a window of its own, so a poison entry fails alone.
   *
   * Resolves when aborted (after the window in progress is done and acked); rejects with a Redis error,
   * or with `fn`'s error unless `onError` is given.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { batch, filter, map, run } from 'genstream';
   * import { fromRedisStream } from 'genstream/redis';
   *
   * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
   * const jobs = fromRedisStream(redis, { stream: 'jobs', group: 'workers', consumer: 'w1', signal: AbortSignal.timeout(5000) });
   * await jobs.consume((window) =>
   *   run(window, map((m) => m.fields), filter((f) => f.type !== 'ping'), batch(100), async (batches) => {
   *     for await (const b of batches) console.log('saved', b.length); // the window is acked after this resolves
   *   }),
   * );
   * redis.disconnect();
   * ```
   */
  consume(fn: (window: readonly RedisStreamMessage[]) => Promise<unknown>, options?: ConsumeOptions): Promise<void>;
}

/**
 * Reads a Redis stream as one consumer of a consumer group, at least once: an entry is acked (XACK) only
 * when the program says it is done, so after a crash at any point it is delivered again, to this consumer
 * when it restarts under the same name or to a peer after `claimIdleMs`.
 *
 * Iterated, it yields `{ id, fields, deliveries, ack() }` and reads (XREADGROUP, `count` at a time) only
 * when asked, so nothing is read while the pipeline is backed up. Call `msg.ack()` once the entry is
 * processed; leaving the loop (`break`, an error, abort) leaves the unacked ones pending for redelivery.
 * For pipelines, `consume(fn)` acks after the sink (see {@link RedisStreamSource.consume}).
 *
 * The client is ioredis's `Redis` (an optional peer dependency) or anything of the same shape; blocking
 * reads run on a `duplicate()` of it, closed at the end. Redis errors and lost connections surface as the
 * client's own error objects; a group that vanished (Redis restarted without persistence) is a `NOGROUP`
 * error, never a silent end.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { fromRedisStream } from 'genstream/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const signal = AbortSignal.timeout(5000); // stop reading after 5 s
 * for await (const msg of fromRedisStream(redis, { stream: 'jobs', group: 'workers', consumer: 'w1', signal })) {
 *   console.log(msg.id, msg.fields);
 *   await msg.ack();
 * }
 * redis.disconnect();
 * ```
 */
export function fromRedisStream(client: RedisClientLike, options: FromRedisStreamOptions): RedisStreamSource {
  const where = 'fromRedisStream';
  checkClient(where, client);
  const cfg = consumerConfig(where, options);
  let used = false;
  const claim = (how: string): ConsumerRun => {
    if (used) throw new AlreadyUsedError(`${where}: this source (stream "${cfg.stream}", consumer "${cfg.consumer}") was already ${how === 'consume' ? 'iterated or consumed' : 'consumed or iterated'}; call fromRedisStream() again for another run`);
    used = true;
    return new ConsumerRun(client, cfg);
  };
  return {
    [Symbol.asyncIterator]: () => iterate(claim('iterate')),
    consume: (fn, consumeOptions) => {
      checkFunction(`${where} consume`, 'fn', fn);
      checkOptions(`${where} consume`, consumeOptions);
      if (consumeOptions?.onError !== undefined) checkFunction(`${where} consume`, 'options.onError', consumeOptions.onError);
      return consume(claim('consume'), fn, consumeOptions?.onError);
    },
  };
}

async function* iterate(run: ConsumerRun): AsyncGenerator<RedisStreamMessage, void, undefined> {
  try {
    await run.start();
    for (;;) {
      const batch = await run.nextBatch();
      if (batch === null) return;
      for (const msg of batch) {
        if (run.aborted) return; // the rest of the batch stays pending: redelivered later
        yield msg;
      }
    }
  } finally {
    await run.close();
  }
}

async function consume(
  run: ConsumerRun,
  fn: (window: readonly RedisStreamMessage[]) => Promise<unknown>,
  onError: ConsumeOptions['onError'],
): Promise<void> {
  const acks: Promise<void>[] = []; // XACKs sent and not yet awaited
  const settleAcks = (): Promise<unknown> => Promise.all(acks.splice(0));
  try {
    await run.start();
    for (;;) {
      const batch = await run.nextBatch(); // read while the last window's XACK is on its way
      await settleAcks(); // a failed XACK surfaces here, before more work
      if (batch === null) return;
      for (const window of windows(batch)) {
        if (run.aborted) break; // read but not handed out: pending for a peer, or for this consumer's next run
        await runWindow(run, fn, window, onError, acks);
      }
      if (run.aborted) {
        await settleAcks();
        return;
      }
    }
  } finally {
    await Promise.allSettled(acks); // on the way out with an error: that error, not an ack's
    await run.close();
  }
}

/**
 * Runs `fn` over a window and acks it (the XACK goes into `acks`). A window of several entries that
 * fails is run again one entry at a time at once (no redelivery needed), so the failure is pinned on the
 * entries that cause it and the others are acked. A single entry that fails stays pending (redelivered
 * after `claimIdleMs`), or goes to the dead-letter stream with the error if this was its last allowed
 * delivery.
 */
async function runWindow(
  run: ConsumerRun,
  fn: (window: readonly RedisStreamMessage[]) => Promise<unknown>,
  window: readonly RedisStreamMessage[],
  onError: ConsumeOptions['onError'],
  acks: Promise<void>[],
): Promise<void> {
  let failure: { err: unknown } | null = null;
  try {
    await fn(window);
  } catch (err) {
    failure = { err };
  }
  if (failure === null) {
    acks.push(run.ackWindow(window));
    return;
  }
  if (window.length > 1) {
    for (const m of window) await runWindow(run, fn, [m], onError, acks);
    return;
  }
  const m = window[0]!;
  run.failed(m, failure.err);
  if (m.deliveries >= run.cfg.maxDeliveries) await run.deadLetter(m.id, m.fields, m.deliveries, describeError(failure.err));
  if (onError === undefined) throw failure.err;
  await onError(failure.err, window);
}

/** The entries of a read in windows: the first-time ones together, each one delivered before alone. */
function windows(batch: RedisStreamMessage[]): RedisStreamMessage[][] {
  const fresh = batch.filter((m) => m.deliveries === 1);
  const out = fresh.length > 0 ? [fresh] : [];
  for (const m of batch) if (m.deliveries > 1) out.push([m]);
  return out;
}

function checkClient(where: string, client: unknown): void {
  const c = client as Partial<RedisClientLike> | null;
  if (c === null || typeof c !== 'object' || typeof c.call !== 'function' || typeof c.pipeline !== 'function' || typeof c.duplicate !== 'function' || typeof c.disconnect !== 'function') {
    fail(where, '`client` to be a Redis client such as ioredis `new Redis(url)` (with call, pipeline, duplicate and disconnect)', client);
  }
}

function checkName(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') fail(where, `\`options.${name}\` to be a non-empty string`, value);
}

function consumerConfig(where: string, options: FromRedisStreamOptions): ConsumerConfig {
  if (options === undefined) fail(where, '`options` with `stream`, `group` and `consumer`', options);
  checkOptions(where, options);
  const o = options;
  for (const name of ['stream', 'group', 'consumer'] as const) checkName(where, name, o[name]);
  if (o.count !== undefined) checkPositiveInt(where, 'options.count', o.count);
  if (o.blockMs !== undefined) checkPositiveInt(where, 'options.blockMs', o.blockMs);
  // 0 would claim every pending entry at once, a live peer's too.
  if (o.claimIdleMs !== undefined) checkPositiveInt(where, 'options.claimIdleMs', o.claimIdleMs);
  if (o.maxDeliveries !== undefined) checkPositiveInt(where, 'options.maxDeliveries', o.maxDeliveries, true);
  if (o.deadLetterStream !== undefined) checkName(where, 'deadLetterStream', o.deadLetterStream);
  const maxDeliveries = o.maxDeliveries ?? Infinity;
  if (maxDeliveries !== Infinity && o.deadLetterStream === undefined) {
    fail(where, '`options.deadLetterStream` with `options.maxDeliveries` (where else would the entries go?)', o.deadLetterStream);
  }
  if (o.deadLetterStream !== undefined && o.deadLetterStream === o.stream) fail(where, '`options.deadLetterStream` to differ from `options.stream`', o.deadLetterStream);
  if (o.startId !== undefined) checkName(where, 'startId', o.startId);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) fail(where, '`options.signal` to be an AbortSignal', o.signal);
  return {
    stream: o.stream,
    group: o.group,
    consumer: o.consumer,
    count: o.count ?? 100,
    blockMs: o.blockMs ?? 2000,
    claimIdleMs: o.claimIdleMs ?? 60_000,
    maxDeliveries,
    deadLetterStream: o.deadLetterStream,
    startId: o.startId ?? '0',
    signal: o.signal,
  };
}
