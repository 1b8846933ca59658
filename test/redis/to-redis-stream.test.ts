import { pipeline } from 'node:stream/promises';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, map, run, toReadable, toWritable } from '../../lib/index.js';
import { toRedisStream, type RedisClientLike, type RedisStreamFields } from '../../lib/redis/index.js';
import { counted, settledError, TestError, thrown, watchUnhandled } from '../helpers.js';
import { facts, untilAsync, useRedis, within } from './helpers.js';

watchUnhandled();
const redis = useRedis();

/**
 * The client as toRedisStream sees it, counting what goes through its pipelines: XADDs sent and
 * confirmed, round trips (pipelines executed), how many were in flight at once, and each one's size.
 */
function instrumented(client: Redis) {
  const stats = { sent: 0, confirmed: 0, roundTrips: 0, inFlight: 0, peakInFlight: 0, sizes: [] as number[] };
  const wrapped: RedisClientLike = {
    call: (command, ...args) => client.call(command, ...args),
    duplicate: () => client.duplicate(),
    disconnect: () => client.disconnect(),
    pipeline: () => {
      const p = client.pipeline();
      let n = 0;
      return {
        call(command, ...args) {
          n++;
          return p.call(command, ...args);
        },
        async exec() {
          stats.sent += n;
          stats.roundTrips++;
          stats.sizes.push(n);
          stats.peakInFlight = Math.max(stats.peakInFlight, ++stats.inFlight);
          try {
            return await p.exec();
          } finally {
            stats.inFlight--;
            stats.confirmed += n;
          }
        },
      };
    },
  };
  return { client: wrapped, stats };
}

redis.describe('toRedisStream', () => {
  it('appends 10 000 items in order and resolves with their number once Redis confirmed them all', async () => {
    const client = redis.client();
    const stream = redis.key('out');
    const N = 10_000;
    const items = Array.from({ length: N }, (_, i) => ({ n: i, body: `item ${i}` }));
    const written = await within(run(items, map((x: { n: number; body: string }) => ({ ...x, odd: x.n % 2 })), toRedisStream(client, { stream })), 15_000, 'the sink');
    expect(written).toBe(N);
    expect(await facts.xlen(client, stream)).toBe(N);
    const entries = await facts.entries(client, stream);
    expect(entries.map((e) => e.fields)).toEqual(items.map((x) => ({ n: String(x.n), body: x.body, odd: String(x.n % 2) })));
    const ids = entries.map((e) => e.id);
    const increasing = ids.every((id, i) => {
      if (i === 0) return true;
      const [ms, seq] = id.split('-').map(Number) as [number, number];
      const [pms, pseq] = ids[i - 1]!.split('-').map(Number) as [number, number];
      return ms > pms || (ms === pms && seq > pseq);
    });
    expect(increasing).toBe(true); // ids by Redis (XADD *), in the order of the source
  });

  it('takes string, number and Buffer values, from a sync or an async iterable, and as a Writable through toWritable', async () => {
    const client = redis.client();
    const stream = redis.key('out');
    expect(await toRedisStream(client, { stream })([{ s: 'text', n: 1.5, b: Buffer.from('bytes') }])).toBe(1);
    async function* twoMore() {
      yield { s: 'a' };
      yield { s: 'b' };
    }
    expect(await toRedisStream(client, { stream })(twoMore())).toBe(2);
    await pipeline(toReadable([{ s: 'c' }, { s: 'd' }]), toWritable(toRedisStream(client, { stream })));
    expect((await facts.entries(client, stream)).map((e) => e.fields)).toEqual([{ s: 'text', n: '1.5', b: 'bytes' }, { s: 'a' }, { s: 'b' }, { s: 'c' }, { s: 'd' }]);
    expect(await toRedisStream(client, { stream })([])).toBe(0); // an empty source writes nothing
    expect(await facts.xlen(client, stream)).toBe(5);
  });

  it('trims the stream with MAXLEN: exactly with approximate false, to at least maxLen with ~ (the default)', async () => {
    const client = redis.client();
    const exact = redis.key('exact');
    const rough = redis.key('rough');
    const items = Array.from({ length: 1000 }, (_, i) => ({ n: i }));
    expect(await toRedisStream(client, { stream: exact, maxLen: 10, approximate: false })(items)).toBe(1000);
    expect((await facts.entries(client, exact)).map((e) => e.fields.n)).toEqual(items.slice(990).map((x) => String(x.n)));
    expect(await toRedisStream(client, { stream: rough, maxLen: 10 })(items)).toBe(1000);
    const left = await facts.xlen(client, rough);
    expect(left).toBeGreaterThanOrEqual(10);
    expect(left).toBeLessThan(1000);
    const last = await facts.entries(client, rough);
    expect(last[last.length - 1]!.fields.n).toBe('999');
  });

  it('keeps at most batchSize items waiting and one round trip of at most batchSize in flight while the source is faster than Redis', async () => {
    const { client, stats } = instrumented(redis.client());
    const stream = redis.key('out');
    const N = 5000;
    const batchSize = 50;
    let pulled = 0;
    let peakWaiting = 0;
    let peakUnconfirmed = 0;
    async function* fast(): AsyncGenerator<RedisStreamFields> {
      for (let i = 0; i < N; i++) {
        pulled++;
        peakWaiting = Math.max(peakWaiting, pulled - stats.sent); // the item being pulled included
        peakUnconfirmed = Math.max(peakUnconfirmed, pulled - stats.confirmed);
        yield { n: i };
      }
    }
    expect(await within(toRedisStream(client, { stream, batchSize })(fast()), 15_000, 'the sink')).toBe(N);
    expect(stats.confirmed).toBe(N);
    expect(peakWaiting).toBeLessThanOrEqual(batchSize);
    expect(peakUnconfirmed).toBeLessThanOrEqual(2 * batchSize); // batchSize waiting + one round trip in flight
    expect(stats.peakInFlight).toBe(1);
    expect(Math.max(...stats.sizes)).toBe(batchSize);
    expect(await facts.xlen(redis.client(), stream)).toBe(N);
  });

  it('sends full batches while the source keeps up: the first item alone, then batchSize per round trip', async () => {
    const { client, stats } = instrumented(redis.client());
    const stream = redis.key('out');
    const N = 1001;
    const batchSize = 100;
    // A source that never waits for I/O fills the next batch before any reply can arrive.
    const items = (async function* () {
      for (let i = 0; i < N; i++) yield { n: i };
    })();
    expect(await toRedisStream(client, { stream, batchSize })(items)).toBe(N);
    expect(stats.sizes).toEqual([1, ...Array(10).fill(100)]);
  });

  it('writes a lone item at once, without waiting for more', async () => {
    const client = redis.client();
    const stream = redis.key('out');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* oneThenWait() {
      yield { n: 0 };
      await gate;
    }
    const done = toRedisStream(client, { stream, batchSize: 100 })(oneThenWait());
    await untilAsync(async () => (await facts.xlen(client, stream)) === 1); // while the source waits
    release();
    expect(await done).toBe(1);
  });

  it('rejects with the Redis error object (WRONGTYPE), sends nothing after it and stops reading the source', async () => {
    const raw = redis.client();
    const { client, stats } = instrumented(raw);
    const key = redis.key('a-string');
    await raw.set(key, 'not a stream');
    const src = counted(100_000);
    const got = await within(
      run(
        src.source,
        map((n: number) => ({ n })),
        toRedisStream(client, { stream: key, batchSize: 10 }),
      ).then(...settledError),
      5000,
      'the sink',
    );
    expect((got as Error).name).toBe('ReplyError');
    expect((got as Error).message).toMatch(/^WRONGTYPE/);
    expect(stats.roundTrips).toBe(1); // the first XADD failed: nothing after it went
    expect(src.state.finallies).toBe(1);
    expect(src.state.produced).toBeLessThanOrEqual(12); // the first, ten waiting, the one that saw the failure
    expect(await raw.get(key)).toBe('not a stream');
  });

  it('rejects with the same error object the source throws, after the round trip in flight, and writes nothing after', async () => {
    const client = redis.client();
    const stream = redis.key('out');
    const err = new TestError('source failed');
    async function* failing() {
      yield { n: 0 }; // goes at once
      yield { n: 1 }; // waits for that round trip
      yield { n: 2 };
      throw err;
    }
    const got = await toRedisStream(client, { stream })(failing()).then(...settledError);
    expect(got).toBe(err);
    const atRejection = await facts.xlen(client, stream);
    await client.ping();
    await client.ping();
    expect(await facts.xlen(client, stream)).toBe(atRejection); // nothing written once the promise settled
    expect(atRejection).toBe(1); // the items still waiting were not sent
  });

  it('rejects an item that is not an object of fields, naming its index (and the field): null, an array, an object value, no fields', async () => {
    const client = redis.client();
    const stream = redis.key('out');
    const bad = async (items: unknown[]): Promise<GenstreamArgumentError> => {
      const err = await toRedisStream(client, { stream })(items as RedisStreamFields[]).then(...settledError);
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      return err as GenstreamArgumentError;
    };
    expect((await bad([{ a: 1 }, null])).message).toBe("toRedisStream: item 1 is `null`; expected an object of fields, such as { type: 'order', body: '...' }");
    expect((await bad([['a', 1]])).message).toMatch(/^toRedisStream: item 0 is an array \(length 2\); expected an object of fields/);
    expect((await bad([{ a: 1 }, { a: 2 }, { a: 3, meta: { deep: true } }])).message).toBe(
      'toRedisStream: field "meta" of item 2 is an object (Object); a field value is a string, a number or a Buffer (JSON.stringify objects)',
    );
    expect((await bad([{ a: 1 }, {}])).message).toBe('toRedisStream: item 1 has no fields; a stream entry needs at least one');
    expect((await bad(['text'])).message).toMatch(/^toRedisStream: item 0 is `"text"` \(string\)/);
    expect((await bad([{ a: undefined }])).message).toMatch(/^toRedisStream: field "a" of item 0 is `undefined`/);
    await client.ping();
    await client.ping();
    expect(await facts.xlen(client, stream)).toBe(3); // the first item of each of the first three runs, sent before the bad one came
  });

  it('checks its arguments when called and shows what it got', () => {
    const client = redis.client();
    const check = (fn: () => unknown, message: string | RegExp): void => {
      const err = thrown(fn);
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      expect((err as Error).message).toMatch(message);
    };
    check(() => toRedisStream(client, {} as never), 'toRedisStream: expected `options.stream` to be a non-empty string, got `undefined`');
    check(() => toRedisStream(client, undefined as never), 'toRedisStream: expected `options` with `stream`, got `undefined`');
    check(() => toRedisStream(client, { stream: '' }), 'expected `options.stream` to be a non-empty string, got `""` (string)');
    check(() => toRedisStream(client, { stream: 's', batchSize: 0 }), 'toRedisStream: expected `options.batchSize` to be a positive integer, got `0` (number)');
    check(() => toRedisStream(client, { stream: 's', maxLen: -5 }), 'expected `options.maxLen` to be a positive integer, got `-5` (number)');
    check(() => toRedisStream(client, { stream: 's', approximate: 'yes' as never }), 'expected `options.approximate` to be a boolean, got `"yes"` (string)');
    check(() => toRedisStream({} as never, { stream: 's' }), /^toRedisStream: expected `client` to be a Redis client .*got an object \(Object\)/);
    check(() => toRedisStream(null as never, { stream: 's' }), /expected `client` to be a Redis client .*got `null`/);
  });

  describe('with run() and a map stage', () => {
    it('resolves run() with the number written', async () => {
      const client = redis.client();
      const stream = redis.key('out');
      expect(await run([1, 2, 3], map((n: number) => ({ n: n * 10 })), toRedisStream(client, { stream, batchSize: 2 }))).toBe(3);
      expect((await facts.entries(client, stream)).map((e) => e.fields.n)).toEqual(['10', '20', '30']);
    });
  });
});
