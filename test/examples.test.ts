import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findRedisServer } from '../examples/redis-workers/redis-server.js';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'genstream-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const redisServer = findRedisServer();
const noRedis = redisServer === null ? ' [skip-reason: no redis-server binary: set GENSTREAM_REDIS_SERVER or put redis-server on PATH]' : '';

describe('examples', () => {
  it('csv-enrich (npm run example) processes the generated CSV and saves every non-empty row', async () => {
    const { stdout } = await run(tsx, ['examples/csv-enrich.ts'], { env: { ...process.env, TMPDIR: dir } });
    // 100k rows, of which amount (i * 7919 % 10000) is 0 for every 10000th: 10 rows are filtered out.
    expect(stdout).toMatch(/saved 99990 rows, total amount 4999500\.00/);
  });

  it('progress-bar draws progress and saves the error lines', async () => {
    const { stdout, stderr } = await run(tsx, ['examples/progress-bar.ts'], { env: { ...process.env, TMPDIR: dir } });
    expect(stdout).toMatch(/saved 40000 error lines/);
    expect(stderr).toMatch(/200,000 lines/);
  });

  it.skipIf(redisServer === null)(`redis-workers: a producer and two worker processes share a group and lose nothing${noRedis}`, { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir };
    delete env.REDIS_URL; // the example starts its own redis-server, as it does by default
    const { stdout } = await run(tsx, ['examples/redis-workers/main.ts', '--entries', '2000'], { env });
    expect(stdout).toMatch(/producer: 2000 entries written \(stream length 2000\)/);
    const saved = [...stdout.matchAll(/^ {2}(w1|w2): (\d+) entries saved/gm)].map((m) => Number(m[2]));
    expect(saved).toHaveLength(2);
    expect(saved[0] + saved[1]).toBeGreaterThanOrEqual(2000);
    expect(stdout).toMatch(/check: 2000\/2000 produced ids processed at least once \(\d+ more than once\), 0 missing, 0 pending: nothing lost/);
  });
});
