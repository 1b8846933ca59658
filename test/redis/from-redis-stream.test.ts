import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { AlreadyUsedError, batch, filter, GenstreamArgumentError, map, run } from '../../lib/index.js';
import { fromRedisStream, toRedisStream, type RedisStreamMessage } from '../../lib/redis/index.js';
import { deferred, settledError, TestError, thrown, until, watchUnhandled } from '../helpers.js';
import { facts, privateRedis, produce, redisServer, untilAsync, useRedis, within } from './helpers.js';

watchUnhandled();
const redis = useRedis();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the commands a client sends through `call()` (what ConsumerRun uses), by name. */
function countCalls(client: Redis): Map<string, number> {
  const counts = new Map<string, number>();
  const original = client.call.bind(client) as (...args: unknown[]) => Promise<unknown>;
  vi.spyOn(client, 'call').mockImplementation(((command: string, ...args: unknown[]) => {
    counts.set(command.toUpperCase(), (counts.get(command.toUpperCase()) ?? 0) + 1);
    return original(command, ...args);
  }) as never);
  return counts;
}

/** The ids of `all` minus those pending in the group: what the group acked, given all of `all` were delivered. */
async function ackedOf(client: Redis, stream: string, group: string, delivered: readonly string[]): Promise<string[]> {
  const pending = new Set((await facts.pendingEntries(client, stream, group)).map((e) => e.id));
  return delivered.filter((id) => !pending.has(id));
}

redis.describe('fromRedisStream', () => {
  describe('normal flow', () => {
    it('hands each of 10 000 entries to consume() through map, filter, batch(100) and a sink exactly once, and leaves none pending', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const N = 10_000;
      const written = await run(
        Array.from({ length: N }, (_, i) => i),
        map((i: number) => ({ n: i, body: `item ${i}` })),
        toRedisStream(client, { stream }),
      );
      expect(written).toBe(N);
      expect(await facts.xlen(client, stream)).toBe(N);
      const entries = await facts.entries(client, stream);
      expect(entries.every((e, i) => e.fields.n === String(i) && e.fields.body === `item ${i}`)).toBe(true); // in order
      const ids = entries.map((e) => e.id);
      const sunk: string[] = [];
      const dropped: string[] = [];
      const batchSizes: number[] = [];
      const ac = new AbortController();
      const acks = countCalls(client);
      const source = fromRedisStream(client, { stream, group: 'g', consumer: 'c1', count: 500, signal: ac.signal });
      await within(
        source.consume((window) =>
          run(
            window,
            map((m: RedisStreamMessage) => ({ id: m.id, n: Number(m.fields.n), deliveries: m.deliveries })),
            filter((x: { id: string; n: number; deliveries: number }) => {
              if (x.n % 7 !== 0) return true;
              dropped.push(x.id);
              return false;
            }),
            batch(100),
            async (batches: AsyncIterable<{ id: string; n: number; deliveries: number }[]>) => {
              for await (const b of batches) {
                batchSizes.push(b.length);
                for (const x of b) {
                  expect(x.deliveries).toBe(1);
                  sunk.push(x.id);
                }
              }
              if (sunk.length + dropped.length === N) ac.abort();
            },
          ),
        ),
        15_000,
        'consume()',
      );
      expect(sunk.length + dropped.length).toBe(N);
      expect(new Set([...sunk, ...dropped]).size).toBe(N); // none twice
      expect(sunk).toEqual(ids.filter((_, i) => i % 7 !== 0)); // in stream order
      expect(dropped).toEqual(ids.filter((_, i) => i % 7 === 0));
      expect(Math.max(...batchSizes)).toBe(100);
      expect(await facts.pending(client, stream, 'g')).toBe(0);
      expect((await facts.group(client, stream, 'g'))['entries-read']).toBe(N);
      expect(acks.get('XACK')).toBe(N / 500); // one XACK per window of `count`
    });

    it('hands out every entry once by manual iteration, in stream order, with its fields and deliveries 1; msg.ack() leaves none pending', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const N = 10_000;
      expect(await toRedisStream(client, { stream })(Array.from({ length: N }, (_, i) => ({ n: i, body: `item ${i}` })))).toBe(N);
      const ids = (await facts.entries(client, stream)).map((e) => e.id);
      const seen: RedisStreamMessage[] = [];
      for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'c1', count: 500 })) {
        seen.push(msg);
        await msg.ack();
        expect(msg.ack()).toBe(msg.ack()); // the same promise again
        if (seen.length === N) break;
      }
      expect(seen.map((m) => m.id)).toEqual(ids);
      expect(seen[7]).toMatchObject({ id: ids[7], stream, fields: { n: '7', body: 'item 7' }, deliveries: 1 });
      expect(seen.every((m, i) => m.fields.n === String(i) && m.deliveries === 1 && m.stream === stream)).toBe(true);
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it('creates the stream and the group when missing, from the start (startId 0) or from now on (startId $)', async () => {
      const client = redis.client();
      const fresh = redis.key('fresh');
      const old = redis.key('old');
      const ac = new AbortController();
      ac.abort();
      await fromRedisStream(client, { stream: fresh, group: 'g', consumer: 'c', signal: ac.signal }).consume(async () => {});
      expect(await facts.xlen(client, fresh)).toBe(0);
      expect(await facts.group(client, fresh, 'g')).toMatchObject({ consumers: 0, pending: 0 });

      const before = await produce(client, old, 3);
      const it = fromRedisStream(client, { stream: old, group: 'late', consumer: 'c', startId: '$', blockMs: 50 })[Symbol.asyncIterator]();
      const first = it.next();
      await untilAsync(async () => Number((await facts.group(client, old, 'late')).consumers) === 1); // the group exists, from $
      const after = await produce(client, old, 2);
      const got = [((await first).value as RedisStreamMessage).id, ((await it.next()).value as RedisStreamMessage).id];
      await it.return!();
      expect(got).toEqual(after);
      expect(before.some((id) => got.includes(id))).toBe(false);
    });

    it('does nothing and reads nothing when the signal is aborted before the start', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      await produce(client, stream, 5);
      const ac = new AbortController();
      ac.abort();
      let windows = 0;
      await fromRedisStream(client, { stream, group: 'g', consumer: 'c', signal: ac.signal }).consume(async () => void windows++);
      const seen: string[] = [];
      for await (const m of fromRedisStream(client, { stream, group: 'g', consumer: 'c', signal: ac.signal })) seen.push(m.id);
      expect(windows).toBe(0);
      expect(seen).toEqual([]);
      expect((await facts.group(client, stream, 'g'))['entries-read']).toBe(null); // nothing delivered to the group
    });
  });

  describe('several consumers', () => {
    it('splits the work between two consumers of one group on separate clients: none processed twice, all processed', async () => {
      const producer = redis.client();
      const stream = redis.key('jobs');
      const N = 2000;
      const ids = await produce(producer, stream, N);
      const got: Record<string, string[]> = { a: [], b: [] };
      const ac = new AbortController();
      const holding = { a: false, b: false };
      const consumer = (name: 'a' | 'b', other: 'a' | 'b') =>
        fromRedisStream(redis.client(), { stream, group: 'g', consumer: name, count: 50, claimIdleMs: 200, signal: ac.signal }).consume(async (window) => {
          if (!holding[name]) {
            holding[name] = true;
            await until(() => holding[other]); // both hold a window at once: each gets work
          }
          await sleep(10); // slow enough for several claim rounds (every 200 ms) to run meanwhile
          for (const m of window) got[name]!.push(m.id);
          if (got.a!.length + got.b!.length >= N) ac.abort();
        });
      await within(Promise.all([consumer('a', 'b'), consumer('b', 'a')]), 15_000, 'the two consumers');
      const all = [...got.a!, ...got.b!];
      expect(got.a!.length).toBeGreaterThan(0);
      expect(got.b!.length).toBeGreaterThan(0);
      expect(new Set(all).size).toBe(all.length); // no entry processed twice
      expect(all.sort()).toEqual([...ids].sort());
      expect(await facts.pending(producer, stream, 'g')).toBe(0);
    });
  });

  describe('backpressure', () => {
    it('reads no further ahead than one read of `count` while a consume() handler is slow', async () => {
      const client = redis.client();
      const observer = redis.client();
      const stream = redis.key('jobs');
      const N = 300;
      const count = 20;
      await produce(client, stream, N);
      let handedOut = 0;
      let peakAhead = 0;
      const ac = new AbortController();
      await within(
        fromRedisStream(client, { stream, group: 'g', consumer: 'slow', count, signal: ac.signal }).consume(async (window) => {
          handedOut += window.length;
          const info = await facts.group(observer, stream, 'g');
          const read = Number(info['entries-read']);
          peakAhead = Math.max(peakAhead, read - handedOut);
          expect(read).toBeLessThanOrEqual(handedOut + count);
          expect(Number(info.lag)).toBe(N - read);
          await sleep(2);
          if (handedOut === N) ac.abort();
        }),
        10_000,
        'consume()',
      );
      expect(handedOut).toBe(N);
      expect(peakAhead).toBe(0); // a window is read only when the previous one is done
    });

    it('reads no further ahead than one read of `count` while a for-await loop is slow', async () => {
      const client = redis.client();
      const observer = redis.client();
      const stream = redis.key('jobs');
      const N = 100;
      const count = 8;
      await produce(client, stream, N);
      let handedOut = 0;
      for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'slow', count })) {
        handedOut++;
        const read = Number((await facts.group(observer, stream, 'g'))['entries-read']);
        expect(read).toBeLessThanOrEqual(handedOut + count);
        expect(read).toBe(Math.min(N, Math.ceil(handedOut / count) * count)); // exactly the reads needed so far
        expect(await facts.pending(observer, stream, 'g')).toBe(read - (handedOut - 1)); // all read but the acked ones
        await msg.ack();
        if (handedOut === N) break;
      }
      expect(await facts.pending(observer, stream, 'g')).toBe(0);
    });
  });

  describe('poison entries', () => {
    it('moves an entry whose handler always throws to deadLetterStream after maxDeliveries; the rest of its window is processed and acked, and consume() goes on with onError', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const dead = redis.key('dead');
      const ids = await produce(client, stream, 10, (i): Record<string, string> => (i === 4 ? { poison: 'yes' } : {}));
      const err = new TestError('poison');
      const processed: string[] = [];
      const failures: { err: unknown; window: string[]; deliveries: number[] }[] = [];
      const ac = new AbortController();
      const done = fromRedisStream(client, { stream, group: 'g', consumer: 'c', count: 10, claimIdleMs: 200, maxDeliveries: 3, deadLetterStream: dead, signal: ac.signal }).consume(
        async (window) => {
          const ok: string[] = [];
          for (const m of window) {
            if (m.fields.poison === 'yes') throw err;
            ok.push(m.id);
          }
          processed.push(...ok); // the window's handler finished for these
          if (processed.length === 13) ac.abort();
        },
        { onError: (e, window) => void failures.push({ err: e, window: window.map((m) => m.id), deliveries: window.map((m) => m.deliveries) }) },
      );
      await untilAsync(async () => (await facts.xlen(client, dead)) === 1);
      const later = await produce(client, stream, 4); // the consumer went on
      await within(done, 5000, 'consume()');

      expect(processed).toEqual([...ids.filter((_, i) => i !== 4), ...later]);
      expect(failures).toEqual([
        { err, window: [ids[4]], deliveries: [1] },
        { err, window: [ids[4]], deliveries: [2] },
        { err, window: [ids[4]], deliveries: [3] },
      ]);
      for (const f of failures) expect(f.err).toBe(err);
      const [record] = await facts.entries(client, dead);
      expect(record!.fields).toEqual({
        id: ids[4],
        stream,
        group: 'g',
        consumer: 'c',
        deliveries: '3',
        error: 'TestError: poison',
        fields: JSON.stringify({ n: '4', poison: 'yes' }),
      });
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it('without onError, rejects with the exact error object and leaves the poison entry and the rest of its window pending', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 10, (i): Record<string, string> => (i === 4 ? { poison: 'yes' } : {}));
      const err = new TestError('poison');
      const completed: string[] = [];
      const got = await within(
        fromRedisStream(client, { stream, group: 'g', consumer: 'c', count: 10 })
          .consume(async (window) => {
            for (const m of window) if (m.fields.poison === 'yes') throw err;
            completed.push(...window.map((m) => m.id));
          })
          .then(...settledError),
        5000,
        'consume()',
      );
      expect(got).toBe(err);
      // The failed window was run again one entry at a time, up to the poison entry: those before it completed
      // and were acked; the poison entry and those after it stay pending, for redelivery.
      expect(completed).toEqual(ids.slice(0, 4));
      const pending = await facts.pendingEntries(client, stream, 'g');
      expect(pending.map((p) => p.id)).toEqual(ids.slice(4));
      expect(pending.every((p) => p.deliveries === 1 && p.consumer === 'c')).toBe(true);
      expect(await ackedOf(client, stream, 'g', ids)).toEqual(completed); // nothing acked that was not processed
    });

    it('gives an entry back with msg.nack(err) in a for-await loop: redelivered after claimIdleMs, then dead-lettered with the reason', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const dead = redis.key('dead');
      const ids = await produce(client, stream, 3);
      const err = new TestError('cannot handle it');
      const seen: [string, number][] = [];
      const ac = new AbortController();
      const loop = (async () => {
        for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'c', claimIdleMs: 200, blockMs: 50, maxDeliveries: 2, deadLetterStream: dead, signal: ac.signal })) {
          seen.push([msg.id, msg.deliveries]);
          if (msg.id === ids[1]) msg.nack(err);
          else {
            await msg.ack();
            msg.nack(new TestError('too late')); // after ack(): nothing
          }
        }
      })();
      await untilAsync(async () => (await facts.xlen(client, dead)) === 1); // its third delivery goes there, not to the loop
      ac.abort();
      await within(loop, 5000, 'the loop');
      expect(seen).toEqual([
        [ids[0], 1],
        [ids[1], 1],
        [ids[2], 1],
        [ids[1], 2],
      ]);
      const [record] = await facts.entries(client, dead);
      expect(record!.fields).toMatchObject({ id: ids[1], deliveries: '3', error: 'TestError: cannot handle it' });
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it('dead-letters at once an entry that comes back already past maxDeliveries, noting that it was never acknowledged', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const dead = redis.key('dead');
      const ids = await produce(client, stream, 3);
      await client.call('XGROUP', 'CREATE', stream, 'g', '0');
      await client.call('XREADGROUP', 'GROUP', 'g', 'gone', 'COUNT', 3, 'STREAMS', stream, '>'); // delivery 1 of each
      await client.call('XCLAIM', stream, 'g', 'gone', 0, ids[1]!); // delivery 2 of the middle one
      const seen: { id: string; deliveries: number }[] = [];
      const ac = new AbortController();
      await within(
        fromRedisStream(client, { stream, group: 'g', consumer: 'c', claimIdleMs: 100, maxDeliveries: 2, deadLetterStream: dead, signal: ac.signal }).consume(async (window) => {
          seen.push(...window.map((m) => ({ id: m.id, deliveries: m.deliveries })));
          if (seen.length === 2) ac.abort();
        }),
        5000,
        'consume()',
      );
      expect(seen).toEqual([
        { id: ids[0], deliveries: 2 },
        { id: ids[2], deliveries: 2 },
      ]);
      const records = await facts.entries(client, dead);
      expect(records.map((r) => r.fields)).toEqual([
        { id: ids[1], stream, group: 'g', consumer: 'c', deliveries: '3', error: 'not acknowledged by the consumers it was delivered to', fields: JSON.stringify({ n: '1' }) },
      ]);
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });
  });

  describe('crash recovery', () => {
    it('lets a peer with a small claimIdleMs claim what a stopped consumer read and did not ack (deliveries 2), and ack it', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 10);
      const readByA: string[] = [];
      for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'A', count: 10 })) {
        readByA.push(msg.id);
        if (readByA.length === 3) break; // "crashes": three handed out, none acked, seven more read with them
      }
      expect(await facts.pendingEntries(client, stream, 'g')).toEqual(ids.map((id) => ({ id, consumer: 'A', deliveries: 1 })));

      const claimed: { id: string; deliveries: number }[] = [];
      const ac = new AbortController();
      await within(
        fromRedisStream(redis.client(), { stream, group: 'g', consumer: 'B', claimIdleMs: 200, signal: ac.signal }).consume(async (window) => {
          claimed.push(...window.map((m) => ({ id: m.id, deliveries: m.deliveries })));
          if (claimed.length === 10) ac.abort();
        }),
        5000,
        'consumer B',
      );
      expect(claimed).toEqual(ids.map((id) => ({ id, deliveries: 2 })));
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it('takes back its own pending entries first when restarted under the same name', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 20);
      let n = 0;
      for await (const _ of fromRedisStream(client, { stream, group: 'g', consumer: 'A', count: 10 })) if (++n === 2) break;
      const seen: { id: string; deliveries: number }[] = [];
      for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'A', count: 10 })) {
        seen.push({ id: msg.id, deliveries: msg.deliveries });
        await msg.ack();
        if (seen.length === 20) break;
      }
      expect(seen).toEqual([...ids.slice(0, 10).map((id) => ({ id, deliveries: 2 })), ...ids.slice(10).map((id) => ({ id, deliveries: 1 }))]);
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it('never hands out twice an entry it holds: its own pending entries, idle past claimIdleMs at the restart, come once', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 5);
      await client.call('XGROUP', 'CREATE', stream, 'g', '0');
      await client.call('XREADGROUP', 'GROUP', 'g', 'A', 'COUNT', 5, 'STREAMS', stream, '>');
      await client.call('XCLAIM', stream, 'g', 'A', 0, ...ids, 'IDLE', 60_000, 'JUSTID'); // A died a minute ago
      const it = fromRedisStream(client, { stream, group: 'g', consumer: 'A', claimIdleMs: 1000, blockMs: 50 })[Symbol.asyncIterator]();
      const held: RedisStreamMessage[] = [];
      try {
        for (let i = 0; i < 5; i++) held.push((await within(it.next(), 5000, 'next()')).value as RedisStreamMessage);
        const [newer] = await produce(client, stream, 1);
        const sixth = (await within(it.next(), 5000, 'next()')).value as RedisStreamMessage;
        expect(held.map((m) => [m.id, m.deliveries])).toEqual(ids.map((id) => [id, 2]));
        expect([sixth.id, sixth.deliveries]).toEqual([newer, 1]); // not one of the five again
        expect((await facts.pendingEntries(client, stream, 'g')).map((p) => p.deliveries)).toEqual([2, 2, 2, 2, 2, 1]);
      } finally {
        await it.return!();
      }
    });

    it('in consume(), runs each entry delivered before in a window of its own and the first-time ones together', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 6);
      await client.call('XGROUP', 'CREATE', stream, 'g', '0');
      await client.call('XREADGROUP', 'GROUP', 'g', 'A', 'COUNT', 2, 'STREAMS', stream, '>'); // A read two, then died
      const windows: { id: string; deliveries: number }[][] = [];
      const ac = new AbortController();
      await within(
        fromRedisStream(client, { stream, group: 'g', consumer: 'A', count: 10, signal: ac.signal }).consume(async (window) => {
          windows.push(window.map((m) => ({ id: m.id, deliveries: m.deliveries })));
          if (windows.flat().length === 6) ac.abort();
        }),
        5000,
        'consume()',
      );
      expect(windows).toEqual([[{ id: ids[0], deliveries: 2 }], [{ id: ids[1], deliveries: 2 }], ids.slice(2).map((id) => ({ id, deliveries: 1 }))]);
    });

    it('reports the delivery count Redis holds for each claimed entry, also when other entries of its own lie between them', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 4);
      await client.call('XGROUP', 'CREATE', stream, 'g', '0');
      await client.call('XREADGROUP', 'GROUP', 'g', 'dead', 'COUNT', 3, 'STREAMS', stream, '>'); // e0 e1 e2 to a consumer that dies
      await client.call('XCLAIM', stream, 'g', 'A', 0, ids[1]!); // e1 to A (a restart of A finds it as its own)
      const it = fromRedisStream(client, { stream, group: 'g', consumer: 'A', claimIdleMs: 200, blockMs: 50 })[Symbol.asyncIterator]();
      const held: RedisStreamMessage[] = [];
      try {
        // Held, not acked: e1 (its own, read again), e3 (new), then e0 and e2 claimed from the dead consumer.
        for (let i = 0; i < 4; i++) held.push((await within(it.next(), 5000, 'next()')).value as RedisStreamMessage);
        const inRedis = new Map((await facts.pendingEntries(client, stream, 'g')).map((p) => [p.id, p.deliveries]));
        expect(held.map((m) => m.id)).toEqual([ids[1], ids[3], ids[0], ids[2]]);
        expect(held.map((m) => m.deliveries)).toEqual(held.map((m) => inRedis.get(m.id)));
        expect(held.map((m) => m.deliveries)).toEqual([3, 1, 2, 2]);
      } finally {
        await it.return!();
      }
    });

    it('counts the deliveries of entries claimed around an own pending entry not due yet (its window failed), and dead-letters those past maxDeliveries', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const dead = redis.key('dead');
      const ids = await produce(client, stream, 3);
      await client.call('XGROUP', 'CREATE', stream, 'g', '0');
      await client.call('XREADGROUP', 'GROUP', 'g', 'gone', 'COUNT', 3, 'STREAMS', stream, '>');
      // e0 and e2: a dead peer's, idle for a minute, delivered 5 times; e1: this consumer's own (delivered twice), failing.
      await client.call('XCLAIM', stream, 'g', 'gone', 0, ids[0]!, ids[2]!, 'IDLE', 60_000, 'RETRYCOUNT', 5);
      await client.call('XCLAIM', stream, 'g', 'c', 0, ids[1]!);
      const err = new TestError('e1 fails');
      const windows: { id: string; deliveries: number }[][] = [];
      const failures: unknown[] = [];
      const ac = new AbortController();
      const done = fromRedisStream(client, { stream, group: 'g', consumer: 'c', claimIdleMs: 1000, maxDeliveries: 5, deadLetterStream: dead, signal: ac.signal }).consume(
        async (window) => {
          windows.push(window.map((m) => ({ id: m.id, deliveries: m.deliveries })));
          if (window.some((m) => m.id === ids[1])) throw err;
        },
        { onError: (e) => void failures.push(e) },
      );
      // Its own e1 first (delivery 3, fails: pending, not due for a claim), then the claim of e0 and e2 around it.
      await untilAsync(async () => (await facts.xlen(client, dead)) === 2);
      ac.abort();
      await within(done, 5000, 'consume()');
      expect(windows).toEqual([[{ id: ids[1], deliveries: 3 }]]); // e0 and e2 came a 6th time: dead-lettered, not handed out as first deliveries
      expect(failures).toEqual([err]);
      expect((await facts.entries(client, dead)).map((r) => [r.fields.id, r.fields.deliveries])).toEqual([
        [ids[0], '6'],
        [ids[2], '6'],
      ]);
      expect((await facts.pendingEntries(client, stream, 'g')).map((p) => [p.id, p.deliveries])).toEqual([[ids[1], 3]]);
    });
  });

  describe('leases', () => {
    it('keeps an entry whose handler takes 3 x claimIdleMs from a second consumer while the first is alive', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const [id] = await produce(client, stream, 1);
      const started = deferred();
      const processed: { by: string; id: string; deliveries: number }[] = [];
      const during: { deliveries: number[]; claimRoundsOfB: number } = { deliveries: [], claimRoundsOfB: 0 };
      const ac = new AbortController();
      const options = { stream, group: 'g', count: 10, claimIdleMs: 200, signal: ac.signal };
      const bClient = redis.client();
      const calls = countCalls(bClient);
      const a = fromRedisStream(redis.client(), { ...options, consumer: 'A' }).consume(async (window) => {
        started.resolve();
        await sleep(600); // 3 x claimIdleMs
        during.deliveries = (await facts.pendingEntries(client, stream, 'g')).map((p) => p.deliveries);
        during.claimRoundsOfB = calls.get('XAUTOCLAIM') ?? 0;
        processed.push(...window.map((m) => ({ by: 'A', id: m.id, deliveries: m.deliveries })));
      });
      await started.promise;
      const b = fromRedisStream(bClient, { ...options, consumer: 'B' }).consume(async (window) => {
        processed.push(...window.map((m) => ({ by: 'B', id: m.id, deliveries: m.deliveries })));
      });
      await until(() => processed.length === 1);
      ac.abort();
      await within(Promise.all([a, b]), 5000, 'the consumers');
      expect(processed).toEqual([{ by: 'A', id, deliveries: 1 }]);
      expect(during.claimRoundsOfB).toBeGreaterThanOrEqual(2); // B did try to claim meanwhile
      expect(during.deliveries).toEqual([1]); // still A's first delivery: renewing the lease is no delivery
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });
  });

  describe('abort', () => {
    it('resolves consume() after the window in progress was acked, and acks nothing that was not processed', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 1000);
      const processed: string[] = [];
      const ac = new AbortController();
      let windows = 0;
      await within(
        fromRedisStream(client, { stream, group: 'g', consumer: 'c', count: 50, signal: ac.signal }).consume(async (window) => {
          if (++windows === 7) ac.abort(); // mid-window: this one still finishes and is acked
          await sleep(1);
          processed.push(...window.map((m) => m.id));
        }),
        5000,
        'consume()',
      );
      expect(processed).toEqual(ids.slice(0, 350));
      const read = Number((await facts.group(client, stream, 'g'))['entries-read']);
      expect(read).toBe(350);
      expect(await ackedOf(client, stream, 'g', ids.slice(0, read))).toEqual(processed);
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it('ends a for-await loop on abort, leaving the entries read and not handed out pending', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 100);
      const ac = new AbortController();
      const processed: string[] = [];
      for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'c', count: 10, signal: ac.signal })) {
        processed.push(msg.id);
        await msg.ack();
        if (processed.length === 15) ac.abort();
      }
      expect(processed).toEqual(ids.slice(0, 15));
      expect((await facts.pendingEntries(client, stream, 'g')).map((p) => p.id)).toEqual(ids.slice(15, 20));
      expect(await ackedOf(client, stream, 'g', ids.slice(0, 20))).toEqual(processed);
    });

    it('ends a blocked read at once; the client passed in stays usable and the reading connection is closed', async () => {
      const name = `gs-abort-${process.pid}-${Date.now()}`;
      const client = redis.client({ connectionName: name });
      const stream = redis.key('empty');
      const ac = new AbortController();
      let windows = 0;
      const done = fromRedisStream(client, { stream, group: 'g', consumer: 'c', blockMs: 10_000, signal: ac.signal }).consume(async () => void windows++);
      await untilAsync(async () => (await facts.blockedConnectionsNamed(client, name)) === 1); // its XREADGROUP BLOCK waits
      expect(await facts.connectionsNamed(client, name)).toBe(2); // its own + the reading one
      ac.abort();
      await within(done, 2000, 'consume() after abort');
      expect(windows).toBe(0);
      expect(await client.ping()).toBe('PONG');
      await untilAsync(async () => (await facts.connectionsNamed(client, name)) === 1);

      const ac2 = new AbortController();
      const it = fromRedisStream(client, { stream, group: 'g', consumer: 'c', blockMs: 10_000, signal: ac2.signal })[Symbol.asyncIterator]();
      const next = it.next();
      await untilAsync(async () => (await facts.blockedConnectionsNamed(client, name)) === 1);
      ac2.abort();
      expect(await within(next, 2000, 'next() after abort')).toEqual({ done: true, value: undefined });
      await untilAsync(async () => (await facts.connectionsNamed(client, name)) === 1);
      expect(await client.ping()).toBe('PONG');
    });
  });

  describe('errors', () => {
    it.skipIf(!redisServer.available)(
      `rejects consume() with NOGROUP when Redis restarts mid-stream without persistence, never ends silently${redisServer.skipTag}`,
      async () => {
        const server = await privateRedis();
        const client = redis.client({ url: server.url }); // ioredis defaults: it reconnects and resends
        await produce(client, 'jobs', 100);
        let windows = 0;
        const got = await within(
          fromRedisStream(client, { stream: 'jobs', group: 'g', consumer: 'c', count: 10 })
            .consume(async () => {
              if (++windows === 2) {
                await server.stop();
                await server.start();
              }
            })
            .then(...settledError),
          10_000,
          'consume() after the restart',
        );
        expect((got as Error).name).toBe('ReplyError');
        expect((got as Error).message).toMatch(/^NOGROUP /);
        expect(windows).toBe(2);
      },
    );

    it.skipIf(!redisServer.available)(
      `throws NOGROUP from a for-await loop blocked on an empty stream when Redis restarts without persistence${redisServer.skipTag}`,
      async () => {
        const server = await privateRedis();
        const client = redis.client({ url: server.url, connectionName: 'restarted' });
        const it = fromRedisStream(client, { stream: 'jobs', group: 'g', consumer: 'c', blockMs: 1000 })[Symbol.asyncIterator]();
        const next = it.next().then(...settledError);
        await untilAsync(async () => (await facts.blockedConnectionsNamed(client, 'restarted')) === 1); // its read is blocked
        await server.stop();
        await server.start();
        const got = await within(next, 10_000, 'next() after the restart');
        expect((got as Error).name).toBe('ReplyError');
        expect((got as Error).message).toMatch(/^NOGROUP /);
      },
    );

    it.skipIf(!redisServer.available)(
      `rejects consume() with the connection error of ioredis when Redis goes away mid-window${redisServer.skipTag}`,
      async () => {
        const server = await privateRedis();
        // maxRetriesPerRequest: 1: ioredis fails a command after one reconnect attempt (20 by default: about 10 s).
        const client = redis.client({ url: server.url, maxRetriesPerRequest: 1 });
        await produce(client, 'jobs', 100);
        let windows = 0;
        const got = await within(
          fromRedisStream(client, { stream: 'jobs', group: 'g', consumer: 'c', count: 10 })
            .consume(async () => {
              if (++windows === 2) await server.stop(); // and it stays down: this window's XACK cannot go
            })
            .then(...settledError),
          10_000,
          'consume() with Redis gone',
        );
        expect((got as Error).name).toBe('MaxRetriesPerRequestError');
        expect(windows).toBe(2);
      },
    );

    it('rejects with the WRONGTYPE error of Redis when the key is not a stream, and leaves no connection open', async () => {
      const name = `gs-wrongtype-${process.pid}-${Date.now()}`;
      const client = redis.client({ connectionName: name });
      const key = redis.key('a-string');
      await client.set(key, 'not a stream');
      const got = await within(
        fromRedisStream(client, { stream: key, group: 'g', consumer: 'c' })
          .consume(async () => {})
          .then(...settledError),
        5000,
        'consume()',
      );
      expect((got as Error).name).toBe('ReplyError');
      expect((got as Error).message).toMatch(/^WRONGTYPE/);
      const source = fromRedisStream(client, { stream: key, group: 'g', consumer: 'c' });
      const iterated = await source[Symbol.asyncIterator]().next().then(...settledError);
      expect((iterated as Error).message).toMatch(/^WRONGTYPE/);
      await untilAsync(async () => (await facts.connectionsNamed(client, name)) === 1);
    });

    it('checks its arguments when called and shows what it got', () => {
      const client = redis.client();
      const ok = { stream: 's', group: 'g', consumer: 'c' };
      const check = (options: unknown, message: RegExp | string, c: unknown = client): void => {
        const err = thrown(() => fromRedisStream(c as Redis, options as never));
        expect(err).toBeInstanceOf(GenstreamArgumentError);
        expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
        expect((err as Error).message).toMatch(message);
      };
      check({ stream: 's', consumer: 'c' }, 'fromRedisStream: expected `options.group` to be a non-empty string, got `undefined`');
      check({ ...ok, group: '' }, 'expected `options.group` to be a non-empty string, got `""` (string)');
      check({ ...ok, consumer: 7 }, 'expected `options.consumer` to be a non-empty string, got `7` (number)');
      check({ ...ok, count: 0 }, 'fromRedisStream: expected `options.count` to be a positive integer, got `0` (number)');
      check({ ...ok, blockMs: 1.5 }, 'expected `options.blockMs` to be a positive integer, got `1.5` (number)');
      check({ ...ok, claimIdleMs: -1 }, 'expected `options.claimIdleMs` to be a positive integer, got `-1` (number)');
      check({ ...ok, claimIdleMs: 0 }, 'expected `options.claimIdleMs` to be a positive integer, got `0` (number)');
      check({ ...ok, maxDeliveries: 3 }, /expected `options.deadLetterStream` with `options.maxDeliveries`.*got `undefined`/);
      check({ ...ok, maxDeliveries: 0, deadLetterStream: 'd' }, 'expected `options.maxDeliveries` to be a positive integer or Infinity, got `0` (number)');
      check({ ...ok, deadLetterStream: 's' }, 'expected `options.deadLetterStream` to differ from `options.stream`, got `"s"` (string)');
      check({ ...ok, signal: {} }, 'expected `options.signal` to be an AbortSignal, got an object (Object)');
      check(undefined, 'fromRedisStream: expected `options` with `stream`, `group` and `consumer`, got `undefined`');
      check(ok, /fromRedisStream: expected `client` to be a Redis client .*got `"redis:\/\/localhost"` \(string\)/, 'redis://localhost');
      check(ok, /expected `client` to be a Redis client .*got an object \(Object\)/, { call() {} });
      check(ok, /expected `client` to be a Redis client .*got `null`/, null);
      const source = fromRedisStream(client, ok);
      expect(() => source.consume(42 as never)).toThrow('fromRedisStream consume: expected `fn` to be a function, got `42` (number)');
      expect(() => source.consume(async () => {}, { onError: 'log' as never })).toThrow(
        'fromRedisStream consume: expected `options.onError` to be a function, got `"log"` (string)',
      );
    });

    it('refuses a second iteration or consume() of the same source with AlreadyUsedError', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      await produce(client, stream, 2);
      const source = fromRedisStream(client, { stream, group: 'g', consumer: 'c' });
      for await (const msg of source) {
        await msg.ack();
        break;
      }
      const again = thrown(() => source[Symbol.asyncIterator]());
      expect(again).toBeInstanceOf(AlreadyUsedError);
      expect((again as AlreadyUsedError).code).toBe('ERR_GENSTREAM_ALREADY_USED');
      expect((again as Error).message).toMatch(/^fromRedisStream: this source \(stream ".*:jobs", consumer "c"\) was already/);
      expect(thrown(() => source.consume(async () => {}))).toBeInstanceOf(AlreadyUsedError);
      const consumed = fromRedisStream(client, { stream, group: 'g', consumer: 'c', signal: AbortSignal.abort() });
      await consumed.consume(async () => {});
      expect(thrown(() => consumed[Symbol.asyncIterator]())).toBeInstanceOf(AlreadyUsedError);
      expect(await facts.pending(client, stream, 'g')).toBe(1); // both read by the first loop, one acked
    });
  });

  describe('trimming', () => {
    it('acks and skips its own pending entries trimmed by MAXLEN meanwhile, never hands them out empty', async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const first = await produce(client, stream, 10);
      let n = 0;
      for await (const _ of fromRedisStream(client, { stream, group: 'g', consumer: 'A', count: 10 })) if (++n === 1) break; // 10 read, none acked
      // Ten more through toRedisStream with an exact MAXLEN of 12: eight of the ten pending entries are trimmed away.
      expect(await toRedisStream(client, { stream, maxLen: 12, approximate: false })(Array.from({ length: 10 }, (_, i) => ({ n: 10 + i })))).toBe(10);
      const kept = (await facts.entries(client, stream)).map((e) => e.id);
      expect(kept.slice(0, 2)).toEqual(first.slice(8)); // eight of the pending ones are gone
      const seen: RedisStreamMessage[] = [];
      for await (const msg of fromRedisStream(client, { stream, group: 'g', consumer: 'A', count: 5 })) {
        seen.push(msg);
        await msg.ack();
        if (seen.length === 12) break;
      }
      expect(seen.map((m) => m.id)).toEqual(kept);
      expect(seen.map((m) => m.deliveries)).toEqual([2, 2, ...Array(10).fill(1)]);
      expect(seen.map((m) => m.fields)).toEqual(Array.from({ length: 12 }, (_, i) => ({ n: String(8 + i) }))); // none empty
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });

    it("acks and skips a dead peer's pending entries trimmed meanwhile when claiming", async () => {
      const client = redis.client();
      const stream = redis.key('jobs');
      const ids = await produce(client, stream, 10);
      let n = 0;
      for await (const _ of fromRedisStream(client, { stream, group: 'g', consumer: 'dead', count: 10 })) if (++n === 1) break;
      await client.call('XTRIM', stream, 'MAXLEN', '=', 3);
      const claimed: RedisStreamMessage[] = [];
      const ac = new AbortController();
      await within(
        fromRedisStream(client, { stream, group: 'g', consumer: 'B', claimIdleMs: 100, signal: ac.signal }).consume(async (window) => {
          claimed.push(...window);
          if (claimed.length === 3) ac.abort();
        }),
        5000,
        'consume()',
      );
      expect(claimed.map((m) => m.id)).toEqual(ids.slice(7));
      expect(claimed.every((m) => m.fields.n !== undefined && m.deliveries === 2)).toBe(true);
      expect(await facts.pending(client, stream, 'g')).toBe(0);
    });
  });
});
