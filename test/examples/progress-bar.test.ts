import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

describe('examples/progress-bar', () => {
  it('draws progress and saves the error lines', async () => {
    const { stdout, stderr } = await runExample('progress-bar.ts', [], tmp);
    expect(stdout).toMatch(/saved 40000 error lines/);
    expect(stderr).toMatch(/200,000 lines/);
  });
});
