/**
 * genstream/redis: Redis Streams consumer groups as a genstream source and sink, at least once.
 * The client (ioredis) is an optional peer dependency. Every export is named here (no `export *`).
 *
 * @module genstream/redis
 */
export { fromRedisStream, type FromRedisStreamOptions, type ConsumeOptions, type RedisStreamSource } from './from-redis-stream.js';
export { toRedisStream, type ToRedisStreamOptions, type RedisStreamFields } from './to-redis-stream.js';
export type { RedisStreamMessage } from './consumer.js';
export type { RedisClientLike, RedisPipelineLike, RedisArg } from './client.js';
