import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

/** The driver the example will use in this Node (the child runs the same one), or null. */
async function sqliteDriver(): Promise<string | null> {
  try {
    if (process.getBuiltinModule?.('node:sqlite') !== undefined) return 'node:sqlite';
  } catch {
    // node:sqlite behind a flag: try the native driver
  }
  try {
    const { default: Database } = await import('better-sqlite3');
    new Database(':memory:').close();
    return 'better-sqlite3';
  } catch {
    return null;
  }
}
const driver = await sqliteDriver();
const noDriver = driver === null ? ' [skip-reason: no SQLite driver: no node:sqlite in this Node and better-sqlite3 does not load (not built for this Node ABI)]' : '';

/** The generated log as a plain loop: line i is malformed when i % 50 === 7, slow when (i × 7919) mod 1000 >= threshold. */
function model(lines: number, threshold: number): { malformed: number; slow: number } {
  let malformed = 0;
  let slow = 0;
  for (let i = 0; i < lines; i++) {
    if (i % 50 === 7) malformed++;
    else if ((i * 7919) % 1000 >= threshold) slow++;
  }
  return { malformed, slow };
}

describe.skipIf(driver === null)(`examples/log-pipeline${noDriver}`, () => {
  it('--smoke saves the slow requests of a 10k-line log, skips the malformed lines, and checks count(*)', { timeout: 30_000 }, async () => {
    const { stdout, stderr } = await runExample('log-pipeline.ts', ['--smoke'], tmp);
    const want = model(10_000, 900);
    expect(want).toEqual({ malformed: 200, slow: 980 });
    expect(stdout).toMatch(new RegExp(`^driver: ${driver}`, 'm'));
    expect(stdout).toContain('log: generated 10000 lines (200 malformed, 980 with latency_ms >= 900)');
    expect(stdout).toMatch(/^read 10000 lines: 200 malformed skipped, 980 rows with latency_ms >= 900 saved in 10 transactions, [\d.]+ s$/m);
    expect(stdout).toContain('check: SELECT count(*) FROM requests = 980, rows saved = 980: ok');
    expect(stdout).toContain('check: generated 10000 lines, 200 malformed, 980 slow; read 10000, 200, 980: ok');
    expect(stderr).toMatch(/^progress: 10000 lines read, \d+ lines\/s, 200 malformed, \d+ rows saved/m);
    expect(stderr).not.toMatch(/ExperimentalWarning/);
  });

  it('--lines and --threshold change what is generated and saved (a last partial batch included)', { timeout: 30_000 }, async () => {
    const want = model(3_333, 500);
    const { stdout } = await runExample('log-pipeline.ts', ['--lines', '3333', '--threshold', '500'], tmp);
    expect(stdout).toContain(`${want.malformed} malformed skipped, ${want.slow} rows with latency_ms >= 500 saved in ${Math.ceil(want.slow / 100)} transactions`);
    expect(stdout).toContain(`check: SELECT count(*) FROM requests = ${want.slow}, rows saved = ${want.slow}: ok`);
  });

  it('reads a given log file: counts each kind of malformed line and saves only complete slow records', { timeout: 30_000 }, async () => {
    const log = join(tmp, 'given.log');
    const ok = (latency: number | string) => `ts=2026-12-01T00:00:00Z level=info method=GET path=/a status=200 latency_ms=${latency}`;
    const content = [
      ok(950), // slow
      ok(10), // fast
      '', // empty
      ok(901), // slow
      'garbage', // no pairs
      ok('12x'), // latency not an integer
      'ts=2026-12-01T00:00:00Z level=info method=GET path=/a status=200', // no latency_ms
      `${ok(999)} =orphan`, // a pair without a key
      ok(999), // slow
    ].join('\n');
    writeFileSync(log, `${content}\n`);
    const { stdout } = await runExample('log-pipeline.ts', [log], tmp);
    expect(stdout).toContain(`log: ${log}`);
    expect(stdout).toMatch(/^read 9 lines: 5 malformed skipped, 3 rows with latency_ms >= 900 saved in 1 transaction,/m);
    expect(stdout).toContain('check: SELECT count(*) FROM requests = 3, rows saved = 3: ok');
    expect(stdout).not.toContain('check: generated');
  });
});
