import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

/** The example's data as a plain loop: row i has amount (i * 7919 % 10000) cents; amount 0 is skipped. */
function model(rows: number): { saved: number; skipped: number; cents: number; vatCents: number } {
  let saved = 0;
  let cents = 0;
  let vatCents = 0;
  for (let i = 1; i <= rows; i++) {
    const c = (i * 7919) % 10_000;
    if (c === 0) continue;
    saved++;
    cents += c;
    vatCents += Math.round(c / 5);
  }
  return { saved, skipped: rows - saved, cents, vatCents };
}

const ROWS = 25_000;
const want = model(ROWS);
const rowsLine = `rows: ${ROWS} read, ${want.saved} saved in ${Math.ceil(want.saved / 1000)} batches, ${want.skipped} empty skipped`;
const totalsLine = `totals: amount ${(want.cents / 100).toFixed(2)}, vat ${(want.vatCents / 100).toFixed(2)}`;

describe('examples/large-csv', () => {
  it('streams every row through csv-parse, the generator stage and the batched save, with exact totals', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('large-csv.ts', ['--rows', String(ROWS)], tmp);
    expect(want.skipped).toBe(2); // rows 10000 and 20000
    expect(stdout).toContain(`generated ${ROWS} rows`);
    expect(stdout).toContain('mode: streaming');
    expect(stdout).toContain(rowsLine);
    expect(stdout).toContain(totalsLine);
    expect(stdout).toMatch(/^streaming: [\d.]+ s, \d+ rows\/s, peak RSS [\d.]+ MB$/m);
    expect(stdout).toContain(`check: all ${ROWS} generated rows read once: ok`);
  });

  it('--eager (readFile + csv-parse/sync) saves the same rows with the same totals', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('large-csv.ts', ['--rows', String(ROWS), '--eager'], tmp);
    expect(stdout).toContain('mode: eager');
    expect(stdout).toContain(rowsLine);
    expect(stdout).toContain(totalsLine);
    expect(stdout).toMatch(/^eager: [\d.]+ s, \d+ rows\/s, peak RSS [\d.]+ MB$/m);
  });

  it('--smoke runs 20k rows and removes its files', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('large-csv.ts', ['--smoke'], tmp);
    const smoke = model(20_000);
    expect(stdout).toContain(`rows: 20000 read, ${smoke.saved} saved in 20 batches, ${smoke.skipped} empty skipped`);
    expect(readdirSync(tmp).filter((f) => f.startsWith('genstream-large-csv-'))).toEqual([]);
  });
});
