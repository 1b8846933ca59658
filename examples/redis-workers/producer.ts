/**
 * The producer of the redis-workers example (started by `npx tsx examples/redis-workers/main.ts`, not
 * on its own): generates `--entries N` orders and appends them to the stream with `toRedisStream`, a
 * genstream sink that pipelines the XADDs and resolves once Redis confirmed every entry. Reports how
 * many it wrote to main.ts.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { run } from 'genstream';
import { toRedisStream } from 'genstream/redis';
import { jobId, settings, tell, type Order } from './jobs.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '10000' } } });
const entries = Number(values.entries);
const { redisUrl, stream } = settings();

async function* orders(n: number): AsyncGenerator<{ job: string; body: string }> {
  for (let k = 0; k < n; k++) {
    const order: Order = { customer: `customer-${k % 97}`, amount: ((k * 7919) % 10_000) / 100, currency: k % 3 === 0 ? 'USD' : 'EUR' };
    yield { job: jobId(k), body: JSON.stringify(order) };
  }
}

const redis = new Redis(redisUrl);
try {
  const written = await run(orders(entries), toRedisStream(redis, { stream }));
  console.log(`producer: wrote ${written} entries to ${stream}`);
  await tell({ type: 'produced', written });
} finally {
  redis.disconnect();
}
