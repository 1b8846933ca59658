/**
 * genstream/redis: entries per second through one Redis Streams consumer group on loopback, against the
 * hand-written ioredis code a careful engineer writes. Every case's process starts its own redis-server
 * (127.0.0.1, a free port, no persistence, a temporary --dir; bench/redis-server.ts) and stops it at the
 * end, whatever happens; without a redis-server ($GENSTREAM_REDIS_SERVER, else `redis-server` on PATH)
 * every case is reported as skipped with that reason.
 *
 * Consuming, n = 200k entries { i, body } (body ~20 bytes), written once per process before any timing;
 * each pass reads all of them through a fresh consumer group (XGROUP CREATE ... 0), so passes are
 * independent. Every entry is parsed (`i` as a number, `body`), checksummed and acked; the pass ends by
 * checking that the group has nothing pending (XPENDING) and destroying it. As
 *   genstream `fromRedisStream(...).consume((window) => run(window, map(parse), sink))`    — the subject
 *   genstream manual iteration, `acks.push(msg.ack())` per entry (the acks of one read go in one XACK,
 *   awaited all at the end of the loop)
 *   genstream manual iteration, `await msg.ack()` per entry (the README's loop; n = 40k, it is slow)
 *   a hand ioredis loop: XREADGROUP COUNT 100 → parse → await XACK of the read's ids, until a read
 *   comes back empty                                                                      — the reference
 * with 1 consumer, and with 2: two consumer names on two ioredis clients in this process, running
 * concurrently (genstream: two `fromRedisStream` sources; each also opens its own blocking reader, a
 * `duplicate()`). The genstream consumers stop on an AbortSignal once the sink has seen all n entries.
 * Read 2 consumers in one process as overlapped round trips, not as 2 cores: Node's thread and
 * redis-server share the machine's 2.
 *
 * Producing, n = 200k: into a fresh stream per pass (UNLINKed at its end, after XINFO STREAM checks its
 * length and its first and last entries, which make the checksum), as
 *   genstream `run(items, toRedisStream(redis, { stream }))` (pipelined XADDs, batches of 100)
 *   a hand loop: a pipeline of 100 XADDs, await exec(), the next 100                      — its reference
 *
 * The consume checksums are order-insensitive (2 consumers interleave), a sum of per-entry hashes over
 * `i` and `body`; the produce ones are their own group. Targets: every genstream form ≥ 0.8 × the hand
 * loop with the same number of consumers (the await-per-entry loop is shown, not judged); toRedisStream
 * ≥ 0.8 × the hand pipelined loop.
 *
 *   npm run bench -- redis [--cases gs-consume-1,hand-1] [--rounds 5]
 */
import { Redis } from 'ioredis';
import type { RedisStreamMessage } from '../lib/redis/index.js';
import { defineBench, type BenchCase, type Derived, type Genstream, type GenstreamRedis, type Pass, type PassResult } from './harness.js';
import { findRedisServer, startRedisServer } from './redis-server.js';

const N = 200_000;
/** The `await msg.ack()`-per-entry loop makes a round trip per entry: a smaller n keeps it to seconds. */
const AWAIT_EACH_N = 40_000;
/** Entries per XREADGROUP (genstream's default `count`) and XADDs per pipeline (toRedisStream's default `batchSize`). */
const COUNT = 100;
const STREAM = 'bench:entries';
/** A consume pass that has not finished after this long has lost entries: it is stopped and fails. */
const STALL_MS = 120_000;

/** An entry's fields as the consumers parse them, and the items the producers write (a type, not an interface: toRedisStream takes a Record). */
type Parsed = { i: number; body: string };

const bodyOf = (i: number): string => `entry ${i} ${'#'.repeat(i % 8)}`;

/** A per-entry hash over what the parse produced. */
const entryHash = (e: Parsed): number =>
  (Math.imul(e.i, 0x9e3779b1) ^ (e.i >>> 7)) + Math.imul(e.body.length, 31) + e.body.charCodeAt(e.body.length - 1);

/** Counts entries and sums their hashes: order-insensitive, as two consumers interleave. */
class SumTally {
  items = 0;
  checksum = 0;

  add(e: Parsed): void {
    this.items++;
    this.checksum = (this.checksum + entryHash(e)) | 0;
  }

  result(): PassResult {
    return { items: this.items, checksum: this.checksum };
  }
}

const parseMessage = (m: RedisStreamMessage): Parsed => ({ i: Number(m.fields.i), body: m.fields.body });

/** What a case's pass gets: the module under test, genstream/redis, its size and clients of the private server. */
interface RedisCtx {
  lib: Genstream;
  gr: GenstreamRedis;
  n: number;
  /** A client used to check and clean up between timed steps (never by a consumer). */
  admin: Redis;
  /** `k` connected clients for the consumers or the producer, made in setup, closed at teardown. */
  clients: Redis[];
}

/**
 * A case over a private redis-server: skipped without a redis-server or without genstream/redis in the
 * build; the server and every client are stopped at teardown.
 */
const withRedis =
  (clients: number, make: (ctx: RedisCtx) => Pass | Promise<Pass>): BenchCase['setup'] =>
  async (ctx) => {
    const gr = await ctx.redis();
    if (typeof gr === 'string') return gr;
    const found = findRedisServer();
    if (typeof found === 'string') return found;
    const server = await startRedisServer(found.bin);
    ctx.teardown(() => server.stop());
    const open: Redis[] = [];
    ctx.teardown(() => {
      for (const c of open) c.disconnect();
    });
    const connect = async (): Promise<Redis> => {
      const c = new Redis(server.url);
      open.push(c);
      await c.ping();
      return c;
    };
    const admin = await connect();
    const consumers: Redis[] = [];
    for (let k = 0; k < clients; k++) consumers.push(await connect());
    return make({ lib: ctx.lib, gr, n: ctx.n, admin, clients: consumers });
  };

/** Throws the first error of a pipeline's replies; returns the replies. */
function replies(results: [Error | null, unknown][] | null): unknown[] {
  for (const [err] of results ?? []) if (err) throw err;
  return (results ?? []).map((r) => r[1]);
}

/** Writes entries 0 … n-1 into `stream` (untimed: pipelines of 1000). */
async function fill(redis: Redis, stream: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 1000); j++) p.xadd(stream, '*', 'i', j, 'body', bodyOf(j));
    replies(await p.exec());
  }
}

/** Ends a consume pass: nothing may be pending in the group; then the group goes. */
async function finishGroup(admin: Redis, group: string): Promise<void> {
  const [summary] = replies(await admin.pipeline().xpending(STREAM, group).xgroup('DESTROY', STREAM, group).exec()) as [[number, ...unknown[]]];
  if (summary[0] !== 0) throw new Error(`bench redis: ${summary[0]} entries still pending in group ${group} at the end of the pass`);
}

/** A consume case: `consumers` consumers named c1, c2, … of a fresh group per pass. */
function consumeCase(
  key: string,
  label: string,
  consumers: number,
  consumer: (ctx: RedisCtx, redis: Redis, group: string, name: string, tally: SumTally, done: AbortController) => Promise<void>,
  options: { n?: number; createGroup?: boolean } = {},
): BenchCase {
  return {
    key,
    label,
    ...(options.n === undefined ? {} : { n: options.n }),
    setup: withRedis(consumers, async (ctx) => {
      await fill(ctx.admin, STREAM, ctx.n);
      let passNo = 0;
      return async () => {
        const group = `g${passNo++}`;
        // The hand loop creates its group itself; genstream's sources do (XGROUP CREATE ... MKSTREAM).
        if (options.createGroup === true) await ctx.admin.xgroup('CREATE', STREAM, group, '0');
        const tally = new SumTally();
        const done = new AbortController();
        // A consumer that never sees the last entry would wait forever: stop it; the harness then reports the count short.
        const stalled = setTimeout(() => done.abort(), STALL_MS);
        try {
          await Promise.all(ctx.clients.map((redis, k) => consumer(ctx, redis, group, `c${k + 1}`, tally, done)));
        } finally {
          clearTimeout(stalled);
        }
        if (tally.items !== ctx.n) return tally.result();
        await finishGroup(ctx.admin, group);
        return tally.result();
      };
    }),
  };
}

/** The hand loop: read 100, parse each entry's fields, ack the read's ids, until a read comes back empty. */
async function handConsumer(redis: Redis, group: string, name: string, tally: SumTally): Promise<void> {
  for (;;) {
    const reply = (await redis.xreadgroup('GROUP', group, name, 'COUNT', COUNT, 'STREAMS', STREAM, '>')) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1];
    if (entries === undefined || entries.length === 0) return; // the backlog is drained
    const ids = new Array<string>(entries.length);
    for (let k = 0; k < entries.length; k++) {
      const [id, flat] = entries[k];
      const fields: Record<string, string> = {};
      for (let j = 0; j + 1 < flat.length; j += 2) fields[flat[j]] = flat[j + 1];
      tally.add({ i: Number(fields.i), body: fields.body });
      ids[k] = id;
    }
    await redis.xack(STREAM, group, ...ids);
  }
}

const gsConsume = async ({ lib, gr, n }: RedisCtx, redis: Redis, group: string, name: string, tally: SumTally, done: AbortController): Promise<void> => {
  await gr.fromRedisStream(redis, { stream: STREAM, group, consumer: name, count: COUNT, signal: done.signal }).consume((window) =>
    lib.run(window, lib.map(parseMessage), async (entries) => {
      for await (const e of entries) tally.add(e);
      if (tally.items >= n) done.abort();
    }),
  );
};

const gsIterate = async ({ gr, n }: RedisCtx, redis: Redis, group: string, name: string, tally: SumTally, done: AbortController): Promise<void> => {
  const acks: Promise<void>[] = [];
  for await (const msg of gr.fromRedisStream(redis, { stream: STREAM, group, consumer: name, count: COUNT, signal: done.signal })) {
    tally.add(parseMessage(msg));
    acks.push(msg.ack());
    if (tally.items >= n) done.abort();
  }
  await Promise.all(acks);
};

const gsIterateAwaitEach = async ({ gr, n }: RedisCtx, redis: Redis, group: string, name: string, tally: SumTally, done: AbortController): Promise<void> => {
  for await (const msg of gr.fromRedisStream(redis, { stream: STREAM, group, consumer: name, count: COUNT, signal: done.signal })) {
    tally.add(parseMessage(msg));
    await msg.ack();
    if (tally.items >= n) done.abort();
  }
};

const hand = async (_ctx: RedisCtx, redis: Redis, group: string, name: string, tally: SumTally): Promise<void> => handConsumer(redis, group, name, tally);

/** A produce case: `produce` writes the items into a fresh stream; XINFO STREAM checks it, then it goes. */
function produceCase(key: string, label: string, produce: (ctx: RedisCtx, items: readonly Parsed[], stream: string) => Promise<void>): BenchCase {
  return {
    key,
    label,
    setup: withRedis(1, (ctx) => {
      const items: Parsed[] = Array.from({ length: ctx.n }, (_, i) => ({ i, body: bodyOf(i) }));
      let passNo = 0;
      return async () => {
        const stream = `bench:produce:${passNo++}`;
        await produce(ctx, items, stream);
        const [info] = replies(await ctx.admin.pipeline().xinfo('STREAM', stream).unlink(stream).exec()) as [unknown[]];
        const field = (name: string): unknown => info[info.indexOf(name) + 1];
        const entry = (name: string): Parsed => {
          const [, flat] = field(name) as [string, string[]];
          return { i: Number(flat[flat.indexOf('i') + 1]), body: flat[flat.indexOf('body') + 1] };
        };
        const length = Number(field('length'));
        return { items: length, checksum: (Math.imul(length, 31) + Math.imul(entryHash(entry('first-entry')), 17) + entryHash(entry('last-entry'))) | 0 };
      };
    }),
  };
}

const cases: BenchCase[] = [
  consumeCase('gs-consume-1', 'consume: genstream consume(window => run(window, map, sink)), 1 consumer', 1, gsConsume),
  consumeCase('gs-consume-2', 'consume: genstream consume(window => run(window, map, sink)), 2 consumers', 2, gsConsume),
  consumeCase('gs-iter-1', 'consume: genstream for await + msg.ack() (awaited at the end), 1 consumer', 1, gsIterate),
  consumeCase('gs-iter-2', 'consume: genstream for await + msg.ack() (awaited at the end), 2 consumers', 2, gsIterate),
  consumeCase('gs-iter-await-1', 'consume: genstream for await + await msg.ack() per entry, 1 consumer', 1, gsIterateAwaitEach, { n: AWAIT_EACH_N }),
  consumeCase('hand-1', 'consume: hand ioredis XREADGROUP COUNT 100 / XACK loop, 1 consumer', 1, hand, { createGroup: true }),
  consumeCase('hand-2', 'consume: hand ioredis XREADGROUP COUNT 100 / XACK loop, 2 consumers', 2, hand, { createGroup: true }),
  produceCase('gs-produce', 'produce: genstream run(items, toRedisStream(redis, { stream }))', async ({ lib, gr, n, clients }, items, stream) => {
    const written = await lib.run(items, gr.toRedisStream(clients[0], { stream }));
    if (written !== n) throw new Error(`bench redis: toRedisStream resolved with ${written}, expected ${n}`);
  }),
  produceCase('hand-produce', 'produce: hand ioredis pipeline of 100 XADDs, await exec()', async ({ clients }, items, stream) => {
    const redis = clients[0];
    for (let k = 0; k < items.length; k += COUNT) {
      const p = redis.pipeline();
      for (let j = k; j < Math.min(items.length, k + COUNT); j++) p.xadd(stream, '*', 'i', items[j].i, 'body', items[j].body);
      replies(await p.exec());
    }
  }),
];

export default defineBench({
  name: 'redis',
  clock: 'wall', // half the work is the Redis server's: the main thread's CPU time would leave it out
  title: 'genstream/redis on loopback: 200k entries through one consumer group (1 and 2 consumers) and into a stream, vs hand ioredis loops',
  n: N,
  reference: 'hand-1',
  // Each consume form against the hand loop with as many consumers; producing against the hand pipeline.
  referenceFor: (key) => (key.endsWith('produce') ? 'hand-produce' : key.endsWith('-2') ? 'hand-2' : 'hand-1'),
  baselines: [],
  subject: 'gs-consume-1',
  outputGroup: (key) => (key.endsWith('produce') ? 'produce' : 'consume'),
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const ratio = (a: string, b: string, label: string, target?: number): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x / y, unit: 'ratio', ...(target === undefined ? {} : { target }) });
    };
    ratio('gs-consume-1', 'hand-1', 'consume(run(window, …)) / hand loop, 1 consumer', 0.8);
    ratio('gs-consume-2', 'hand-2', 'consume(run(window, …)) / hand loop, 2 consumers', 0.8);
    ratio('gs-iter-1', 'hand-1', 'for await + msg.ack() / hand loop, 1 consumer', 0.8);
    ratio('gs-iter-2', 'hand-2', 'for await + msg.ack() / hand loop, 2 consumers', 0.8);
    ratio('gs-iter-await-1', 'hand-1', `for await + await msg.ack() per entry (n = ${AWAIT_EACH_N / 1000}k) / hand loop, 1 consumer`);
    ratio('gs-produce', 'hand-produce', 'toRedisStream / hand pipelined XADD loop', 0.8);
    ratio('hand-2', 'hand-1', 'hand loop: 2 consumers / 1');
    ratio('gs-consume-2', 'gs-consume-1', 'genstream consume: 2 consumers / 1');
    return out;
  },
});
