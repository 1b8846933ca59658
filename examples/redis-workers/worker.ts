/**
 * A worker of the redis-workers example (started twice by `npx tsx examples/redis-workers/main.ts`, not
 * on its own): one consumer (`--name`) of the group, running a genstream pipeline over each window of
 * entries it reads: parse → enrich → batch(50) → save (append to its own NDJSON file, `--out`). With
 * `consume()`, the window's entries are acked only once the save of every batch has finished, so a
 * crash before that leaves them pending, to be delivered again (at least once). main.ts stops it with
 * a 'stop' message (or SIGTERM): the window in progress is finished and acked, then it reports its counts
 * and exits.
 */
import { appendFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { batch, map, run } from 'genstream';
import { fromRedisStream, type RedisStreamMessage } from 'genstream/redis';
import { settings, tell, type Order, type Saved } from './jobs.js';

const { values } = parseArgs({ options: { name: { type: 'string' }, out: { type: 'string' } } });
if (!values.name || !values.out) throw new Error('worker: --name and --out are required');
const name = values.name;
const out = values.out;
const { redisUrl, stream, group } = settings();

interface Parsed extends Order {
  job: string;
  entry: string;
  deliveries: number;
}

const parse = (m: RedisStreamMessage): Parsed => ({ ...(JSON.parse(m.fields.body) as Order), job: m.fields.job, entry: m.id, deliveries: m.deliveries });

const VAT = { EUR: 0.2, USD: 0.08 };
const enrich = (o: Parsed): Saved => {
  const vat = Math.round(o.amount * VAT[o.currency] * 100) / 100;
  return { ...o, vat, total: Math.round((o.amount + vat) * 100) / 100, worker: name };
};

let saved = 0;
let windows = 0;
/** The sink: one append per batch (think of it as a bulk INSERT). */
async function save(batches: AsyncIterable<Saved[]>): Promise<void> {
  for await (const rows of batches) {
    await appendFile(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    saved += rows.length;
  }
  windows++;
}

const stop = new AbortController();
process.on('message', (m) => {
  if (m === 'stop') stop.abort();
});
process.once('SIGTERM', () => stop.abort());

const redis = new Redis(redisUrl);
try {
  // blockMs: how long a read waits for new entries; an abort ends it at once anyway.
  const jobs = fromRedisStream(redis, { stream, group, consumer: name, blockMs: 1000, signal: stop.signal });
  await jobs.consume((window) => run(window, map(parse), map(enrich), batch(50), save));
  console.log(`worker ${name}: saved ${saved} entries from ${windows} windows to ${out}`);
  await tell({ type: 'done', name, saved, windows });
} finally {
  redis.disconnect();
  if (process.connected) process.disconnect(); // the IPC channel to main.ts would keep this process alive
}
