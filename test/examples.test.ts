import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'genstream-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
});
