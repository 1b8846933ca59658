/**
 * genstream with a real database's stream ecosystem: a generator makes rows, a generator stage turns
 * them into PostgreSQL's COPY text format, and `stream.pipeline` writes that into `COPY … FROM STDIN`
 * through pg-copy-streams (a Writable), with backpressure from the socket up to the generator. The rows
 * are then read back through pg-query-stream (a Readable) into generator code (`pipe`), and their count
 * and checksum are checked against what was written. Exits 1 if they differ.
 *
 *   npx tsx examples/postgres-copy.ts                  # 100 000 rows
 *   npx tsx examples/postgres-copy.ts --smoke          # 5 000 rows
 *   npx tsx examples/postgres-copy.ts --rows 1000000
 *   npx tsx examples/postgres-copy.ts --bad-row 500 --rows 1000000  # row 500 repeats an id: the server's
 *                                                      # error fails the pipeline and stops the generator
 *
 * The database is $GENSTREAM_PG_URL, else $DATABASE_URL (postgres://user@host:port/db; the example's
 * table has a unique name and is dropped at the end), else a private server started for the run
 * (examples/postgres-server.ts: initdb into a temp dir, 127.0.0.1, a free port; stopped at the end).
 * With neither, it prints `skipped: <reason>` and exits 0.
 */
import { createHash, type Hash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import { fromGen, fromReadable, pipe, toReadable, type TypedReadable } from 'genstream';
import { postgresUnavailable, startPostgresServer, type PrivatePostgres } from './postgres-server.js';

const { values } = parseArgs({
  options: { smoke: { type: 'boolean', default: false }, rows: { type: 'string' }, 'bad-row': { type: 'string' } },
});
const rows = Number(values.rows ?? (values.smoke ? 5_000 : 100_000));
if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows expects a positive integer, got ${values.rows}`);
const badRow = values['bad-row'] === undefined ? null : Number(values['bad-row']);
if (badRow !== null && !(Number.isInteger(badRow) && badRow >= 2 && badRow <= rows)) {
  throw new Error(`--bad-row expects a row number from 2 to --rows (${rows}), got ${values['bad-row']}`);
}

interface Row {
  id: number;
  name: string;
  /** numeric(12,2) comes back from pg as a string; it is made as one, so both sides compare as text. */
  amount: string;
  note: string | null;
}

/**
 * The source: `n` rows, some with the characters COPY's text format must escape (tab, newline, carriage
 * return, backslash), non-ASCII text and NULLs. With `dupAt`, that row repeats row 1's id.
 */
async function* generateRows(n: number, dupAt: number | null, stats: { made: number; finallyRuns: number }): AsyncGenerator<Row> {
  try {
    for (let i = 1; i <= n; i++) {
      const cents = (i * 7919) % 1_000_000;
      let name = `customer-${i % 977}`;
      if (i % 7 === 0) name += '\twith a tab';
      if (i % 11 === 0) name += '\nand a newline';
      if (i % 13 === 0) name += ' C:\\path\\with\\backslashes \\N';
      if (i % 17 === 0) name += ' café ✓ 東京\r';
      const note = i % 5 === 0 ? null : `order ${i}`;
      stats.made = i;
      // Each step of this loop settles as a microtask, so by itself it never lets the event loop read the
      // socket: a server error mid-COPY would wait until the whole COPY was sent. Let I/O in now and then.
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      yield { id: i === dupAt ? 1 : i, name, amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, note };
    }
  } finally {
    stats.finallyRuns++; // runs on the end, and when the pipeline is torn down by an error
  }
}

/** One field in COPY's text format: `\N` is NULL; backslash, tab, newline and CR are escaped. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * The generator stage: rows in, COPY text out. Lines are joined into chunks of about 64 KiB, so the
 * Writable below gets one write (and the socket one message) per few hundred rows, not one per row.
 */
async function* toCopyText(source: AsyncIterable<Row>): AsyncGenerator<string> {
  let chunk = '';
  for await (const r of source) {
    chunk += `${r.id}\t${copyField(r.name)}\t${r.amount}\t${copyField(r.note)}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk; // the flush: the last partial chunk
}

/** The same digest over the rows written and the rows read back (in id order). */
function addToDigest(hash: Hash, r: Row): void {
  hash.update(JSON.stringify([r.id, r.name, r.amount, r.note]));
  hash.update('\n');
}

const rate = (n: number, ms: number): string => `${Math.round((n * 1000) / Math.max(ms, 1)).toLocaleString('en-US')} rows/s`;

let url = process.env.GENSTREAM_PG_URL || process.env.DATABASE_URL || '';
if (!url) {
  const why = postgresUnavailable();
  if (why !== null) {
    console.log(`skipped: no GENSTREAM_PG_URL or DATABASE_URL, and no private server possible: ${why}`);
    process.exit(0);
  }
}

let server: PrivatePostgres | null = null;
let pool: pg.Pool | null = null;
let ok = false;
let ending = false;
const table = `genstream_copy_${process.pid}_${Date.now()}`;
try {
  if (!url) {
    server = await startPostgresServer();
    url = server.url;
  }
  pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection that fails (the server restarting, or stopping at the end) is pg's 'error' on the pool.
  pool.on('error', (err) => {
    if (!ending) console.error(`postgres-copy: an idle connection failed: ${err.message}`);
  });
  const { rows: [info] } = await pool.query<{ version: string }>("SELECT current_setting('server_version') AS version");
  console.log(`postgres: ${server ? `private server ${info!.version} at ${url}` : `${info!.version} at ${url.replace(/:[^:@/]*@/, ':***@')}`}; table ${table}`);
  await pool.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, note text)`);

  // COPY in: generator → Readable → generator stage (Duplex) → pg-copy-streams' Writable.
  const stats = { made: 0, finallyRuns: 0 };
  const written = createHash('sha256');
  const client = await pool.connect();
  let copyError: (Error & { code?: string; detail?: string }) | null = null;
  const t0 = performance.now();
  const copy = client.query(copyFrom(`COPY ${table} (id, name, amount, note) FROM STDIN`));
  try {
    await pipeline(
      toReadable(async function* () {
        for await (const r of generateRows(rows, badRow, stats)) {
          addToDigest(written, r);
          yield r;
        }
      }),
      fromGen(toCopyText, { readableObjectMode: false }),
      copy,
    );
  } catch (err) {
    copyError = err as Error & { code?: string };
  } finally {
    // A connection whose COPY failed is not reused: the pool closes it.
    client.release(copyError ?? undefined);
  }
  const copyMs = performance.now() - t0;

  if (badRow !== null) {
    // The expected failure: the server rejects row `badRow` mid-COPY; its error rejects the pipeline,
    // the pipeline destroys the Readable, and the generator's finally runs (once) before the end.
    const { rows: [{ n }] } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    console.log(`bad row ${badRow}: the pipeline rejected with ${copyError ? `${copyError.code ?? '?'} ${copyError.message}${copyError.detail ? ` (${copyError.detail})` : ''}` : 'nothing: it succeeded'}`);
    console.log(`bad row ${badRow}: the generator made ${stats.made} of ${rows} rows; its finally ran ${stats.finallyRuns} time(s)`);
    console.log(`bad row ${badRow}: ${n} rows in the table (the COPY is rolled back as a whole)`);
    ok = copyError?.code === '23505' && stats.finallyRuns === 1 && Number(n) === 0;
    console.log(`check: ${ok ? 'the server error failed the pipeline, the table is empty and the generator cleaned up: ok' : 'UNEXPECTED: see above'}`);
  } else {
    if (copyError !== null) throw copyError;
    console.log(`copy in: ${stats.made} rows in ${copyMs.toFixed(0)} ms (${rate(stats.made, copyMs)}); COPY reported ${copy.rowCount} rows`);

    // Read back: pg-query-stream (a cursor, 1000 rows per round trip) → generator code.
    const read = createHash('sha256');
    const reader = await pool.connect();
    let count = 0;
    const t1 = performance.now();
    try {
      const query: TypedReadable<Row> = reader.query(new QueryStream(`SELECT id, name, amount, note FROM ${table} ORDER BY id`, [], { batchSize: 1000 }));
      async function* digest(source: AsyncIterable<Row>): AsyncGenerator<number> {
        for await (const r of source) {
          addToDigest(read, r);
          yield r.id;
        }
      }
      let expected = 1;
      for await (const id of pipe(fromReadable(query), digest)) {
        if (id !== expected) throw new Error(`read back id ${id} where ${expected} was expected`);
        expected++;
        count++;
      }
    } finally {
      reader.release();
    }
    const readMs = performance.now() - t1;
    console.log(`read back: ${count} rows in ${readMs.toFixed(0)} ms (${rate(count, readMs)})`);

    const [a, b] = [written.digest('hex'), read.digest('hex')];
    ok = count === rows && copy.rowCount === rows && stats.made === rows && a === b && stats.finallyRuns === 1;
    console.log(`check: ${count}/${rows} rows read back, checksum ${b.slice(0, 16)} ${a === b ? 'matches' : `DIFFERS from the written ${a.slice(0, 16)}`}: ${ok ? 'ok' : 'MISMATCH'}`);
  }
} catch (err) {
  console.error(`postgres-copy: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  if (pool !== null) {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch((err: Error) => console.error(`postgres-copy: could not drop ${table}: ${err.message}`));
    ending = true;
    await pool.end();
  }
  await server?.stop();
}
process.exitCode = ok ? 0 : 1;
