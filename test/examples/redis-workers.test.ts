import { describe, expect, it } from 'vitest';
import { findRedisServer } from '../../examples/redis-workers/redis-server.js';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();
const redisServer = findRedisServer();
const noRedis = redisServer === null ? ' [skip-reason: no redis-server binary: set GENSTREAM_REDIS_SERVER or put redis-server on PATH]' : '';

describe('examples/redis-workers', () => {
  it.skipIf(redisServer === null)(`a producer and two worker processes share a group and lose nothing${noRedis}`, { timeout: 60_000 }, async () => {
    // REDIS_URL removed: the example starts its own redis-server, as it does by default
    const { stdout } = await runExample('redis-workers/main.ts', ['--entries', '2000'], tmp, { REDIS_URL: undefined });
    expect(stdout).toMatch(/producer: 2000 entries written \(stream length 2000\)/);
    const saved = [...stdout.matchAll(/^ {2}(w1|w2): (\d+) entries saved/gm)].map((m) => Number(m[2]));
    expect(saved).toHaveLength(2);
    expect(saved[0] + saved[1]).toBeGreaterThanOrEqual(2000);
    expect(stdout).toMatch(/check: 2000\/2000 produced ids processed at least once \(\d+ more than once\), 0 missing, 0 pending: nothing lost/);
  });
});
