/**
 * The part of a Redis client genstream/redis uses, and the parsing of the stream commands' replies.
 * ioredis's `Redis` has exactly this shape (`call`, `pipeline().call().exec()`, `duplicate`,
 * `disconnect`); any client that offers it works.
 */

/** An argument of a Redis command. */
export type RedisArg = string | number | Buffer;

/** A batch of commands sent together (ioredis's `Pipeline`), as {@link RedisClientLike.pipeline} returns it. */
export interface RedisPipelineLike {
  /** Queues `command` with `args` (ioredis's `pipeline().call()`); the reply comes with {@link exec}. */
  call(command: string, ...args: RedisArg[]): unknown;
  /** One `[error, reply]` per command, in order. */
  exec(): Promise<[Error | null, unknown][] | null>;
}

/**
 * What genstream/redis needs from a client: ioredis's `Redis` (`new Redis(url)`) as it is.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from 'genstream/redis';
 *
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * console.log(await client.call('PING')); // PONG
 * client.disconnect();
 * ```
 */
export interface RedisClientLike {
  /** Sends `command` with `args` (`call('XACK', stream, group, id)`) and resolves with the raw reply. */
  call(command: string, ...args: RedisArg[]): Promise<unknown>;
  /** Starts a batch of commands sent in one round trip. */
  pipeline(): RedisPipelineLike;
  /** A new connection with the same options (the blocking reads get their own). */
  duplicate(): RedisClientLike;
  /** Closes the connection at once (pending commands fail). */
  disconnect(): void;
  /**
   * Event listeners (ioredis is an EventEmitter). genstream listens for `'error'` on the reading
   * connection it makes, so a lost connection is not also printed as an unhandled error event: it
   * surfaces as the failed command's error.
   */
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

/** One stream entry as Redis returns it: its id and its fields (`null` once trimmed away while pending). */
export interface RawEntry {
  id: string;
  fields: Record<string, string> | null;
}

function fieldsOf(flat: unknown): Record<string, string> | null {
  if (!Array.isArray(flat)) return null;
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

/** `[[id, [field, value, ...]], ...]` (XRANGE, XAUTOCLAIM's entries, one stream of XREADGROUP). */
export function parseEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((e) => ({ id: String((e as unknown[])[0]), fields: fieldsOf((e as unknown[])[1]) }));
}

/** XREADGROUP over one stream: `[[stream, entries]]`, or `null` when BLOCK timed out. */
export function parseReadGroup(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  return parseEntries((reply[0] as unknown[])[1]);
}

/** XAUTOCLAIM (Redis 7): `[next cursor, entries, ids deleted meanwhile]`. */
export function parseAutoClaim(reply: unknown): { cursor: string; entries: RawEntry[] } {
  const r = reply as unknown[];
  return { cursor: String(r[0]), entries: parseEntries(r[1]) };
}

/** XPENDING's extended form: `[[id, consumer, idle ms, deliveries], ...]` as id → deliveries. */
export function parseDeliveries(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  if (Array.isArray(reply)) for (const row of reply as unknown[][]) counts.set(String(row[0]), Number(row[3]));
  return counts;
}
