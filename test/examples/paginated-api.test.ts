import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

interface Measured {
  items: number;
  firstByteMs: number;
  pagesAtFirstByte: number;
  lastByteMs: number;
}

function measured(stdout: string, label: string, pages: number): Measured {
  const line = new RegExp(`^${label} +(\\d+) items, ids 1\\.\\.(\\d+) each once, in order; first byte (\\d+) ms \\(after (\\d+) of ${pages} pages\\), last byte (\\d+) ms$`, 'm').exec(stdout);
  expect(line, `a "${label}" result line with every id once and in order in:\n${stdout}`).not.toBeNull();
  const [, items, lastId, firstByteMs, pagesAtFirstByte, lastByteMs] = line!.map(Number);
  expect(lastId).toBe(items);
  return { items: items!, firstByteMs: firstByteMs!, pagesAtFirstByte: pagesAtFirstByte!, lastByteMs: lastByteMs! };
}

describe('examples/paginated-api', () => {
  it('streams every item of every page as NDJSON, once and in order, with the first byte long before the eager form', { timeout: 30_000 }, async () => {
    // 30 pages × 15 ms: the eager route cannot send a byte before 450 ms; the streamed one sends after page 1.
    const { stdout } = await runExample('paginated-api.ts', ['--pages', '30', '--per-page', '40', '--delay', '15'], tmp);
    expect(stdout).toContain('api: 30 pages × 40 items, 15 ms per page');
    expect(stdout).toContain('pages(): 1200 items from 30 pages');
    const streamed = measured(stdout, 'streamed \\(genstream, /export\\.ndjson\\):', 30);
    const eager = measured(stdout, 'eager \\(whole array, /export-all\\.ndjson\\):', 30);
    expect(streamed.items).toBe(1200);
    expect(eager.items).toBe(1200);
    expect(eager.pagesAtFirstByte).toBe(30);
    expect(eager.firstByteMs).toBeGreaterThanOrEqual(30 * 14); // 30 pages of 15 ms (a timer may fire a little early)
    expect(streamed.pagesAtFirstByte).toBeLessThan(15);
    expect(streamed.firstByteMs).toBeLessThan(eager.firstByteMs);
    expect(stdout).toMatch(/^check: 1200 items both ways; first byte \d+ ms streamed vs \d+ ms eager \(\d+× sooner\): ok$/m);
  });

  it('--smoke pages through 20 × 50 items', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('paginated-api.ts', ['--smoke'], tmp);
    expect(measured(stdout, 'streamed \\(genstream, /export\\.ndjson\\):', 20).items).toBe(1000);
    expect(stdout).toMatch(/^check: 1000 items both ways; .*: ok$/m);
  });
});
