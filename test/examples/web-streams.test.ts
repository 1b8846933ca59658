import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

/** The CSV the example must write for `count` readings, as a plain loop: every reading but each 25th. */
function expectedCsv(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    if (i % 25 === 0) continue;
    text += `s${i % 7},${new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString()},${(((i * 7919) % 10_000) / 100).toFixed(2)}\n`;
  }
  return text;
}

describe('examples/web-streams', () => {
  it('fetch → fromWebReadable → lines → parse → filter → file writes exactly the ok readings; the Response round-trips', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('web-streams.ts', ['--smoke', '--keep'], tmp);
    const want = expectedCsv(5000);
    const file = /^file: (.+\.csv): (\d+) lines, (\d+) bytes, sum ([\d.]+), sha256 ([0-9a-f]{64})$/m.exec(stdout);
    expect(file, stdout).not.toBeNull();
    const [, path, lines, bytes, , sha] = file!;
    expect(path!.startsWith(tmp)).toBe(true);
    const text = readFileSync(path!, 'utf8');
    expect(text).toBe(want); // every line, in order
    expect(Number(lines)).toBe(4800);
    expect(Number(bytes)).toBe(want.length);
    expect(sha).toBe(createHash('sha256').update(want).digest('hex'));
    expect(stdout).toContain('check: 4800 ok readings of 5000 written, sum 240000.00: ok');

    expect(stdout).toMatch(/^Response\(toWebReadable\(\.\.\.\)\)\.text\(\): 1000 lines, \d+ bytes, application\/x-ndjson$/m);
    expect(stdout).toContain('check: the Response body is the 1000 readings, in order: ok');

    const stopped = /^break after 10 lines of a 1000000-reading Response: the generator stopped after (\d+) readings$/m.exec(stdout);
    expect(stopped, stdout).not.toBeNull();
    expect(Number(stopped![1])).toBeGreaterThanOrEqual(10);
    expect(Number(stopped![1])).toBeLessThan(1_000_000);
    expect(stdout).toContain('check: the cancelled body stopped the generator (its finally ran): ok');
    expect(stdout).not.toContain('FAILED');
  });

  it('--readings sets the size; without --keep the file is removed', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('web-streams.ts', ['--readings', '777'], tmp);
    expect(stdout).toMatch(/^file: .+: 745 lines, /m); // 777 readings, 32 of them errors (0, 25, ..., 775)
    expect(stdout).toContain('check: 745 ok readings of 777 written');
    expect(stdout).toContain('check: the Response body is the 777 readings, in order: ok');
    const path = /^file: (.+\.csv):/m.exec(stdout)![1]!;
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });
});
