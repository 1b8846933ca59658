import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { fromRedisStream } from '../../lib/redis/index.js';
import { watchUnhandled } from '../helpers.js';
import { facts, produce, untilAsync, useRedis, within } from './helpers.js';

watchUnhandled();
const redis = useRedis();

const script = fileURLToPath(new URL('./fixtures/consumer.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with GENSTREAM_KILL_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Round {
  consumer: string;
  target: number;
  processed: number;
  /** Position in its window of the last entry it reported (`3/10`): the kill came inside a window when < length. */
  lastPosition: string;
}

/**
 * Starts the consumer script under `consumer` and kills it with SIGKILL once it has reported `target`
 * processed entries, at an entry that is not the last of its window. Resolves once it has exited.
 */
function runAndKill(config: Record<string, unknown>, consumer: string, name: string, target: number): Promise<Round> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ ...config, consumer, name })], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const round: Round = { consumer, target, processed: 0, lastPosition: '' };
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('p ')) return;
    round.processed++;
    round.lastPosition = line.split(' ')[2]!;
    const [i, n] = round.lastPosition.split('/').map(Number) as [number, number];
    if (round.processed >= target && i < n && child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(round);
      else reject(new Error(`consumer ${consumer} exited on its own (${code ?? signal}) after ${round.processed} entries:\n${stderr}`));
    });
  });
}

redis.describe('fromRedisStream consumer processes killed with SIGKILL', () => {
  it('loses no entry over 20 kills mid-window and restarts: every id is processed at least once, none left pending', { timeout: 40_000 }, async () => {
    const client = redis.client();
    const stream = redis.key('jobs');
    const processedKey = redis.key('processed');
    const eventsKey = redis.key('events');
    const group = 'g';
    const N = 1000;
    const KILLS = 20;
    const seed = Number(process.env.GENSTREAM_KILL_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const ids = await produce(client, stream, N);
    const config = { url: redis.url, stream, group, processed: processedKey, events: eventsKey, count: 10, claimIdleMs: 300 };

    const rounds: Round[] = [];
    const leftProcessedPending: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const target = 3 + Math.floor(random() * 38); // 3..40 entries, then SIGKILL
      const name = `gs-kill-${process.pid}-${k}`;
      const round = await within(runAndKill(config, k % 2 === 0 ? 'A' : 'B', name, target), 10_000, `consumer process ${k}`);
      rounds.push(round);
      // Redis drops a dead client's connections once it has run what the client sent before dying.
      await untilAsync(async () => (await facts.connectionsNamed(client, name)) === 0);
      // What the killed process processed (SADD done) and never acked: left pending, for another delivery.
      const processedSet = new Set((await client.call('SMEMBERS', processedKey)) as string[]);
      const pending = await facts.pendingEntries(client, stream, group);
      leftProcessedPending.push(pending.filter((p) => p.consumer === round.consumer && processedSet.has(p.id)).length);
    }
    const beforeDrain = Number(await client.call('SCARD', processedKey));
    expect(beforeDrain).toBeLessThan(N); // the final consumer has work left: claimed and new entries

    // The final consumer, in this process, with a small claimIdleMs: claims what the killed ones left and reads the rest.
    const ac = new AbortController();
    const drained = fromRedisStream(client, { stream, group, consumer: 'final', count: 50, claimIdleMs: 200, signal: ac.signal }).consume(async (window) => {
      const m = client.multi();
      for (const msg of window) m.sadd(processedKey, msg.id).incr(eventsKey);
      for (const [err] of (await m.exec()) ?? []) if (err) throw err;
    });
    await untilAsync(async () => Number(await client.call('SCARD', processedKey)) === N && (await facts.pending(client, stream, group)) === 0, 15_000);
    ac.abort();
    await within(drained, 5000, 'the final consumer');

    const processed = new Set((await client.call('SMEMBERS', processedKey)) as string[]);
    expect(ids.filter((id) => !processed.has(id))).toEqual([]); // none lost
    expect(processed.size).toBe(N);
    expect(await facts.pending(client, stream, group)).toBe(0);
    const events = Number(await client.get(eventsKey));
    const duplicates = events - N;
    // At least once, and no more duplicates than the kills made: the entries processed and not acked when a
    // process died are processed once more, nothing else twice.
    expect(duplicates).toBe(leftProcessedPending.reduce((a, b) => a + b, 0));
    expect(rounds).toHaveLength(KILLS);
    const midWindow = rounds.filter((r) => {
      const [i, n] = r.lastPosition.split('/').map(Number) as [number, number];
      return i < n;
    }).length;
    expect(midWindow).toBeGreaterThanOrEqual(1);
    expect(leftProcessedPending.reduce((a, b) => a + b, 0)).toBeGreaterThan(0); // kills did land between processing and ack
    console.log(
      `kill test (seed ${seed}): ${KILLS} SIGKILLs (${midWindow} inside a window), ${rounds.reduce((a, r) => a + r.processed, 0)} entries processed by the killed processes, ` +
        `${beforeDrain} distinct before the final drain, ${N} distinct in the end, ${events} processing events, ${duplicates} duplicates ` +
        `(processed-not-acked at the kills: ${leftProcessedPending.join(',')})`,
    );
  });
});
