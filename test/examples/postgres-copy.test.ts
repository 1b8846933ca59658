import { describe, expect, it } from 'vitest';
import { postgresUnavailable } from '../../examples/postgres-server.js';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();
// .ci/run starts a server and sets GENSTREAM_PG_URL (.ci/start-postgres.sh); without it the example
// starts a private one when the binaries are here.
const given = process.env.GENSTREAM_PG_URL || process.env.DATABASE_URL || '';
const noPrivate = postgresUnavailable();
const noServer = given === '' && noPrivate !== null;
const skipAny = noServer ? ` [skip-reason: no GENSTREAM_PG_URL and ${noPrivate}]` : '';
const skipPrivate = noPrivate !== null ? ` [skip-reason: ${noPrivate}]` : '';

describe('examples/postgres-copy', () => {
  it.skipIf(noServer)(`copies 5000 generated rows in and reads the same rows back${skipAny}`, { timeout: 60_000 }, async () => {
    const { stdout } = await runExample('postgres-copy.ts', ['--smoke'], tmp);
    expect(stdout).toMatch(/^copy in: 5000 rows in \d+ ms \([\d,]+ rows\/s\); COPY reported 5000 rows$/m);
    expect(stdout).toMatch(/^read back: 5000 rows in \d+ ms \([\d,]+ rows\/s\)$/m);
    // The checksum covers every field, the escaped tabs, newlines, backslashes and NULLs included.
    expect(stdout).toMatch(/^check: 5000\/5000 rows read back, checksum 505c99fc8826f6b7 matches: ok$/m);
  });

  it.skipIf(noServer)(`a row the server rejects mid-COPY fails the pipeline with its error and stops the generator${skipAny}`, { timeout: 60_000 }, async () => {
    const { stdout } = await runExample('postgres-copy.ts', ['--rows', '1000000', '--bad-row', '500'], tmp);
    expect(stdout).toMatch(/^bad row 500: the pipeline rejected with 23505 duplicate key value violates unique constraint "genstream_copy_\w+_pkey" \(Key \(id\)=\(1\) already exists\.\)$/m);
    const m = /^bad row 500: the generator made (\d+) of 1000000 rows; its finally ran (\d+) time\(s\)$/m.exec(stdout);
    expect(m, stdout).not.toBeNull();
    // The error came back while the COPY was running: the generator was stopped, and cleaned up once.
    expect(Number(m![1])).toBeGreaterThanOrEqual(500);
    expect(Number(m![1])).toBeLessThan(1_000_000);
    expect(Number(m![2])).toBe(1);
    expect(stdout).toMatch(/^bad row 500: 0 rows in the table/m);
    expect(stdout).toMatch(/^check: the server error failed the pipeline, the table is empty and the generator cleaned up: ok$/m);
  });

  it.skipIf(noPrivate !== null)(`starts and stops its own server when no database is given${skipPrivate}`, { timeout: 60_000 }, async () => {
    const { stdout } = await runExample('postgres-copy.ts', ['--rows', '1000'], tmp, { GENSTREAM_PG_URL: undefined, DATABASE_URL: undefined });
    const m = /^postgres: private server [^ ]+ .*at postgres:\/\/postgres@127\.0\.0\.1:(\d+)\/postgres;/m.exec(stdout);
    expect(m, stdout).not.toBeNull();
    expect(stdout).toMatch(/^check: 1000\/1000 rows read back, checksum [0-9a-f]{16} matches: ok$/m);
    // Stopped at the end: nothing listens on its port any more.
    const { createConnection } = await import('node:net');
    const refused = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: Number(m![1]) });
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('says skipped, and exits 0, when there is neither a database nor a server to start', async () => {
    const { stdout } = await runExample('postgres-copy.ts', ['--smoke'], tmp, {
      GENSTREAM_PG_URL: undefined,
      DATABASE_URL: undefined,
      // When set, GENSTREAM_PG_BIN is the only place looked at: no server, even where one is installed.
      GENSTREAM_PG_BIN: '/nonexistent',
    });
    expect(stdout.trim()).toBe('skipped: no GENSTREAM_PG_URL or DATABASE_URL, and no private server possible: GENSTREAM_PG_BIN=/nonexistent holds no initdb and postgres');
  });
});
