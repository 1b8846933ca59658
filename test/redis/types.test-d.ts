import { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import { batch, map, run, toWritable } from '../../lib/index.js';
import { fromRedisStream, toRedisStream, type RedisClientLike, type RedisStreamMessage, type RedisStreamSource } from '../../lib/redis/index.js';

declare const redis: Redis;
const options = { stream: 's', group: 'g', consumer: 'c' };

describe('genstream/redis types', () => {
  it('takes an ioredis client as it is', () => {
    expectTypeOf(redis).toMatchTypeOf<RedisClientLike>();
    expectTypeOf(fromRedisStream(redis, options)).toEqualTypeOf<RedisStreamSource>();
  });

  it('yields messages, and types a consume() pipeline from them', () => {
    expectTypeOf(fromRedisStream(redis, options)).toMatchTypeOf<AsyncIterable<RedisStreamMessage>>();
    void fromRedisStream(redis, options).consume((window) => {
      expectTypeOf(window).toEqualTypeOf<readonly RedisStreamMessage[]>();
      return run(window, map((m) => m.fields.body ?? ''), batch(10), async (src: AsyncIterable<string[]>) => {
        for await (const b of src) expectTypeOf(b).toEqualTypeOf<string[]>();
      });
    });
  });

  it('is a sink of field objects, usable as a Writable', () => {
    expectTypeOf(run([{ a: '1', n: 2 }], toRedisStream(redis, { stream: 's' }))).toEqualTypeOf<Promise<number>>();
    void toWritable(toRedisStream(redis, { stream: 's' }));
    interface Job {
      type: string;
      body: string;
      attempt: number;
    }
    const jobs: Job[] = [{ type: 'a', body: '{}', attempt: 1 }];
    expectTypeOf(run(jobs, toRedisStream(redis, { stream: 's' }))).toEqualTypeOf<Promise<number>>(); // T inferred: Job
    // @ts-expect-error a field value is a string, a number or a Buffer
    void run([{ a: { nested: true } }], toRedisStream(redis, { stream: 's' }));
    // @ts-expect-error the group is required
    void fromRedisStream(redis, { stream: 's', consumer: 'c' });
  });
});
