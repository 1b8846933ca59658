/**
 * Scaling out with Redis Streams (genstream/redis): one producer process and two worker processes that
 * share a consumer group. The producer appends orders with `toRedisStream`; each worker runs a genstream
 * pipeline (parse → enrich → batch → save to its own NDJSON file) with `fromRedisStream(...).consume()`,
 * which acks each window of entries only after the save. This script starts a private redis-server (or
 * uses REDIS_URL), forks the three processes, waits until the group has delivered and acked every entry,
 * stops the workers gracefully, and checks that nothing was lost: every order the producer wrote is in a
 * worker's file at least once, and nothing is pending in the group. Exits 1 if anything was lost.
 *
 *   npx tsx examples/redis-workers/main.ts                   # 10 000 orders, private redis-server
 *   npx tsx examples/redis-workers/main.ts --entries 100000
 *   npx tsx examples/redis-workers/main.ts --smoke            # 2000 entries
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/redis-workers/main.ts   # your Redis (keys are removed at the end)
 *
 * The private server is $GENSTREAM_REDIS_SERVER, else `redis-server` on PATH (Debian: apt-get install
 * redis-server), on 127.0.0.1 at a free port, without persistence; it is stopped at the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { jobId, type Report, type Saved } from './jobs.js';
import { findRedisServer, startRedisServer, type PrivateRedis } from './redis-server.js';

const { values } = parseArgs({ options: { entries: { type: 'string' }, smoke: { type: 'boolean', default: false } } });
const entries = Number(values.entries ?? (values.smoke ? '2000' : '10000'));
if (!Number.isInteger(entries) || entries < 1) throw new Error(`--entries expects a positive integer, got ${values.entries}`);

const here = new URL('.', import.meta.url);
const WORKERS = ['w1', 'w2'];

/** A child process of the example, with what it reported and how it ended. */
interface Child {
  name: string;
  process: ChildProcess;
  reports: Report[];
  exited: Promise<number>;
}

function start(name: string, file: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = fork(new URL(file, here), args, { env, stdio: 'inherit' });
  const reports: Report[] = [];
  child.on('message', (m) => reports.push(m as Report));
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return { name, process: child, reports, exited };
}

/** Resolves once every one of `names` is a consumer of the group (it has made its first read). */
async function consumersUp(redis: Redis, stream: string, group: string, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // An error until a worker has created the group (NOGROUP, or no such key).
    const consumers = ((await redis.xinfo('CONSUMERS', stream, group).catch(() => [])) as unknown[][]).map((flat) => flat[flat.indexOf('name') + 1]);
    if (names.every((n) => consumers.includes(n))) return;
    if (Date.now() > deadline) throw new Error(`the workers did not start reading within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once the group has delivered every entry of the stream and nothing is pending. */
async function drained(redis: Redis, stream: string, group: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await redis.xinfo('STREAM', stream)) as unknown[];
    const last = info[info.indexOf('last-generated-id') + 1];
    const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    const g = groups.map((flat) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, k) => [flat[2 * k], flat[2 * k + 1]]))).find((x) => x.name === group);
    if (g !== undefined && g['last-delivered-id'] === last && g.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`the workers did not drain ${stream} within ${timeoutMs} ms (group: ${JSON.stringify(g)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server: PrivateRedis | null = null;
const outDir = mkdtempSync(join(tmpdir(), 'genstream-redis-workers-'));
const children: Child[] = [];
let redis: Redis | null = null;
let lost = true;
// Keys of this run only, so a shared Redis (REDIS_URL) is left as it was.
const stream = `genstream-example:${process.pid}-${Date.now()}:orders`;
const group = 'order-workers';
const started = Date.now();
try {
  let url = process.env.REDIS_URL;
  if (!url && findRedisServer() === null) {
    console.log('skipped: no REDIS_URL and no redis-server binary (install Debian\'s redis-server, or set GENSTREAM_REDIS_SERVER)');
    process.exit(0);
  }
  if (!url) {
    server = await startRedisServer();
    url = server.url;
  }
  redis = new Redis(url);
  console.log(`redis: ${server ? `private redis-server at ${url}` : url}; stream ${stream}, group ${group}`);
  const env = { ...process.env, REDIS_URL: url, JOBS_STREAM: stream, JOBS_GROUP: group };

  // Whatever we wait for, a process that fails meanwhile ends the wait.
  const failures: Promise<Child>[] = [];
  const launch = (c: Child): Child => {
    children.push(c);
    failures.push(c.exited.then((code) => (code !== 0 ? c : new Promise<never>(() => {}))));
    return c;
  };
  const orFail = async <T>(p: Promise<T>): Promise<T> => {
    const r = await Promise.race([p.then((value) => ({ value })), Promise.race(failures).then((failed) => ({ failed }))]);
    if ('failed' in r) throw new Error(`${r.failed.name} exited (${r.failed.process.exitCode ?? r.failed.process.signalCode}) before the end`);
    return r.value;
  };

  // Workers first. They create the group (from the stream's start: nothing written before is missed
  // anyway); the producer starts once both are reading, so they share the work from the first entry.
  const files = new Map(WORKERS.map((w) => [w, join(outDir, `${w}.ndjson`)]));
  for (const w of WORKERS) launch(start(w, './worker.ts', ['--name', w, '--out', files.get(w)!], env));
  await orFail(consumersUp(redis, stream, group, WORKERS, 30_000));
  const producer = launch(start('producer', './producer.ts', ['--entries', String(entries)], env));

  if ((await orFail(producer.exited)) !== 0) throw new Error('the producer failed');
  const produced = producer.reports.find((r) => r.type === 'produced');
  if (produced?.type !== 'produced') throw new Error('the producer did not report how many entries it wrote');
  await orFail(drained(redis, stream, group, 60_000));

  // Graceful stop: each worker finishes and acks the window in progress, reports, and exits.
  for (const c of children) if (c.name !== 'producer') c.process.send('stop');
  const codes = await Promise.all(children.map((c) => c.exited));
  if (codes.some((code) => code !== 0)) throw new Error(`a process failed: exit codes ${codes.join(', ')}`);

  // The check: every order id produced is in some worker's file; nothing is pending in the group.
  const seen = new Map<string, number>();
  const perWorker: string[] = [];
  for (const w of WORKERS) {
    const file = files.get(w)!;
    const rows = (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Saved);
    for (const r of rows) seen.set(r.job, (seen.get(r.job) ?? 0) + 1);
    const done = children.find((c) => c.name === w)!.reports.find((r) => r.type === 'done');
    const windows = done?.type === 'done' ? done.windows : 0;
    perWorker.push(`  ${w}: ${rows.length} entries saved (${windows} windows, ${rows.filter((r) => r.deliveries > 1).length} redelivered)`);
  }
  let missing = 0;
  for (let k = 0; k < produced.written; k++) if (!seen.has(jobId(k))) missing++;
  const twice = [...seen.values()].filter((n) => n > 1).length;
  const [pending] = (await redis.xpending(stream, group)) as [number];
  const length = await redis.xlen(stream);
  lost = missing > 0 || pending !== 0 || length !== entries || produced.written !== entries;

  console.log(`\nproducer: ${produced.written} entries written (stream length ${length})`);
  console.log(`workers:\n${perWorker.join('\n')}`);
  console.log(
    `check: ${produced.written - missing}/${produced.written} produced ids processed at least once (${twice} more than once), ` +
      `${missing} missing, ${pending} pending: ${lost ? 'SOMETHING WAS LOST' : 'nothing lost'} (${Date.now() - started} ms)`,
  );
} catch (err) {
  console.error(`redis-workers: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  if (redis !== null && server === null) await redis.del(stream).catch(() => {}); // your Redis: remove the example's stream
  redis?.disconnect();
  await server?.stop();
  rmSync(outDir, { recursive: true, force: true });
}
process.exitCode = lost ? 1 : 0;
