import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();

/** The file without its header comment: what the README shows. */
function body(file: string): string {
  return readFileSync(file, 'utf8').replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
}

/** The README's first TypeScript block, the headline example. */
function headline(): string {
  const readme = readFileSync('README.md', 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no ```ts block');
  return m[1]!;
}

describe('examples/quick-start (the README headline)', () => {
  it('is the README headline example, character for character', () => {
    expect(headline()).toBe(body('examples/quick-start.ts'));
  });

  it('runs as written on a CSV with the columns id,name,amount and saves every row', async () => {
    const csv = join(tmp, 'big.csv');
    let text = 'id,name,amount\n';
    for (let i = 1; i <= 1234; i++) text += `${i},n${i},${i % 10}\n`;
    writeFileSync(csv, text);
    const { stdout, stderr } = await runExample('quick-start.ts', [csv], tmp);
    expect(stdout).toBe('saved 1234 rows\n');
    expect(stderr).toBe('');
  });

  it('fails with the file system error when the file is missing (the pipeline rejects, nothing hangs)', async () => {
    await expect(runExample('quick-start.ts', [join(tmp, 'missing.csv')], tmp)).rejects.toThrow(/ENOENT: no such file or directory/);
  });
});
