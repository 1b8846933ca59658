import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

describe('examples/csv-enrich', () => {
  it('csv-enrich (npm run example) processes the generated CSV and saves every non-empty row', async () => {
    const { stdout } = await runExample('csv-enrich.ts', [], tmp);
    // 100k rows, of which amount (i * 7919 % 10000) is 0 for every 10000th: 10 rows are filtered out.
    expect(stdout).toMatch(/saved 99990 rows, total amount 4999500\.00/);
  });
});
