/**
 * The lazy pipeline genstream comes from, on a real SQLite database: read a log file line by line →
 * parse `key=value` records (malformed lines skipped and counted) → keep the slow requests → batch(100)
 * → insert each batch in one transaction, with a progress line on stderr. At the end it checks the rows
 * saved against `SELECT count(*)`. Uses `node:sqlite` where Node has it (22.5+), else better-sqlite3.
 *
 *   npx tsx examples/log-pipeline.ts                      # generates a 500k-line log in the OS temp dir
 *   npx tsx examples/log-pipeline.ts --smoke              # 10k lines
 *   npx tsx examples/log-pipeline.ts --lines 2000000 --threshold 950
 *   npx tsx examples/log-pipeline.ts app.log --keep       # your own log; keeps the database file
 *
 * A record is a line of `key=value` pairs with at least ts, level, method, path, status and latency_ms
 * (integers for the last two). The database goes to the temp dir and is removed at the end unless --keep.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batch, filter, fromWritable, lines, progress, run, type Progress, type TypedReadable } from 'genstream';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lines: { type: 'string' },
    threshold: { type: 'string', default: '900' },
    smoke: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const lineCount = Number(values.lines ?? (values.smoke ? 10_000 : 500_000));
const threshold = Number(values.threshold);
if (!Number.isInteger(lineCount) || lineCount < 1) fail(`--lines expects a positive integer, got ${values.lines}`);
if (!Number.isFinite(threshold)) fail(`--threshold expects a number (milliseconds), got ${values.threshold}`);

function fail(message: string): never {
  console.error(`log-pipeline: ${message}`);
  process.exit(2);
}

/** One request, as saved. */
interface Request {
  ts: string;
  level: string;
  method: string;
  path: string;
  status: number;
  latencyMs: number;
}

// ---------------------------------------------------------------------------------------------------
// The log: a known number of lines, malformed lines and slow requests, so the result can be checked.

interface LogFacts {
  lines: number;
  malformed: number;
  slow: number;
}

/** Writes `count` lines: every 50th line (from the 8th) is malformed; latency_ms is (i × 7919) mod 1000. */
async function makeLog(path: string, count: number, slowFrom: number): Promise<LogFacts> {
  const facts: LogFacts = { lines: count, malformed: 0, slow: 0 };
  const start = Date.UTC(2026, 11, 1);
  const methods = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
  function line(i: number): string {
    const latency = (i * 7919) % 1000;
    const status = i % 97 === 0 ? 500 : i % 13 === 0 ? 404 : 200;
    const level = status === 500 ? 'error' : latency >= 800 ? 'warn' : 'info';
    const ts = new Date(start + i * 10).toISOString();
    return `ts=${ts} level=${level} method=${methods[i % 6]} path=/api/items/${i % 1000} status=${status} latency_ms=${latency} bytes=${(i * 31) % 4096}`;
  }
  function malformed(i: number): string {
    switch ((i / 50) % 4 | 0) {
      case 0:
        return '--- log rotated ---';
      case 1:
        return line(i).slice(0, 60); // cut off: no status, no latency
      case 2:
        return line(i).replace(/latency_ms=\d+/, 'latency_ms=slow');
      default:
        return `${line(i)} =orphan`;
    }
  }
  async function* text(): AsyncGenerator<string> {
    // 10 000 lines per chunk: one write per chunk, not per line.
    for (let from = 0; from < count; from += 10_000) {
      let chunk = '';
      for (let i = from; i < from + 10_000 && i < count; i++) {
        if (i % 50 === 7) {
          facts.malformed++;
          chunk += `${malformed(i)}\n`;
        } else {
          if ((i * 7919) % 1000 >= slowFrom) facts.slow++;
          chunk += `${line(i)}\n`;
        }
      }
      yield chunk;
    }
  }
  await fromWritable(createWriteStream(path))(text());
  return facts;
}

// ---------------------------------------------------------------------------------------------------
// The stages.

const REQUIRED = ['ts', 'level', 'method', 'path', 'status', 'latency_ms'] as const;
const INTEGER = /^\d+$/;

/** `key=value key=value ...` → a Request, or `undefined` when the line is not a complete record. */
function parseRecord(line: string): Request | undefined {
  const fields = new Map<string, string>();
  for (const pair of line.split(' ')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  for (const key of REQUIRED) if (!fields.get(key)) return undefined;
  const status = fields.get('status')!;
  const latency = fields.get('latency_ms')!;
  if (!INTEGER.test(status) || !INTEGER.test(latency)) return undefined;
  return { ts: fields.get('ts')!, level: fields.get('level')!, method: fields.get('method')!, path: fields.get('path')!, status: Number(status), latencyMs: Number(latency) };
}

const counts = { read: 0, malformed: 0, saved: 0, batches: 0 };

/** A generator stage, Python style: parses each line, skips (and counts) the malformed ones. */
async function* parseRecords(source: AsyncIterable<string>): AsyncGenerator<Request> {
  for await (const line of source) {
    const record = parseRecord(line);
    if (record === undefined) counts.malformed++;
    else yield record;
  }
}

// ---------------------------------------------------------------------------------------------------
// SQLite: node:sqlite's DatabaseSync where it exists, else better-sqlite3 (the same calls in both).

interface Statement {
  run(...params: (string | number)[]): unknown;
  get(...params: (string | number)[]): unknown;
}
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

/** The database at `path`, or `undefined` (after printing `skipped: ...`) when neither driver loads. */
async function openDatabase(path: string): Promise<{ db: Database; driver: string } | undefined> {
  const sqlite = loadNodeSqlite();
  if (sqlite !== undefined) return { db: new sqlite.DatabaseSync(path), driver: 'node:sqlite (DatabaseSync)' };
  // Node 20 has no node:sqlite: the native driver (a dev dependency here; `npm i better-sqlite3` in your project).
  try {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const db = new BetterSqlite3(path); // loads the native binding
    const version = (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version;
    return { db, driver: `better-sqlite3 ${version}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND' && code !== 'ERR_DLOPEN_FAILED') throw err;
    console.log(`skipped: no SQLite driver: Node ${process.version} has no node:sqlite (22.5+; without a flag since 22.13) and better-sqlite3 did not load (${code})`);
    return undefined;
  }
}

/** node:sqlite, or `undefined` where this Node has none; its one ExperimentalWarning (Node 22) is not shown. */
function loadNodeSqlite(): { DatabaseSync: new (path: string) => Database } | undefined {
  const emitWarning = process.emitWarning;
  // Only while the module loads, and only that warning: any other warning is emitted as usual.
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/^SQLite is an experimental feature/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule?.('node:sqlite') as { DatabaseSync: new (path: string) => Database } | undefined;
  } catch {
    return undefined; // a Node 22 before 22.13 without --experimental-sqlite
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** The sink: each batch in one transaction (rolled back if an insert fails). */
function saveBatches(db: Database): (batches: AsyncIterable<Request[]>) => Promise<number> {
  const insert = db.prepare('INSERT INTO requests (ts, level, method, path, status, latency_ms) VALUES (?, ?, ?, ?, ?, ?)');
  return async (batches) => {
    for await (const rows of batches) {
      db.exec('BEGIN');
      try {
        for (const r of rows) insert.run(r.ts, r.level, r.method, r.path, r.status, r.latencyMs);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
      counts.saved += rows.length;
      counts.batches++;
    }
    return counts.saved;
  };
}

// A TTY gets one line redrawn in place; a pipe or a file gets one line per report.
const redraw = process.stderr.isTTY === true;
function showProgress(p: Progress): void {
  counts.read = p.items;
  const line = `progress: ${p.items} lines read, ${Math.round(p.itemsPerSec)} lines/s, ${counts.malformed} malformed, ${counts.saved} rows saved, ${(p.elapsedMs / 1000).toFixed(1)} s`;
  process.stderr.write(redraw ? `\r${line}${p.done ? '\n' : ''}` : `${line}\n`);
}

// ---------------------------------------------------------------------------------------------------

const dir = tmpdir();
const generated = positionals[0] === undefined;
const logFile = positionals[0] ?? join(dir, `genstream-log-pipeline-${process.pid}.log`);
const dbFile = join(dir, `genstream-log-pipeline-${process.pid}.db`);
const opened = await openDatabase(dbFile);
if (opened === undefined) process.exit(0);
const { db, driver } = opened;
let facts: LogFacts | undefined;
try {
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE requests (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, level TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, latency_ms INTEGER NOT NULL)');
  const { version } = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
  console.log(`driver: ${driver}, SQLite ${version}: ${dbFile}`);
  if (generated) {
    facts = await makeLog(logFile, lineCount, threshold);
    console.log(`log: generated ${facts.lines} lines (${facts.malformed} malformed, ${facts.slow} with latency_ms >= ${threshold}): ${logFile}`);
  } else {
    console.log(`log: ${logFile}`);
  }

  const started = performance.now();
  // A file stream is an untyped Readable (its items are `unknown` to run()): declare its chunks.
  const input: TypedReadable<Buffer> = createReadStream(logFile);
  const saved = await run(
    input,
    lines(),
    progress<string>({ every: 50_000, onProgress: showProgress }),
    parseRecords,
    filter((r: Request) => r.latencyMs >= threshold),
    batch<Request>(100),
    saveBatches(db),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`read ${counts.read} lines: ${counts.malformed} malformed skipped, ${saved} rows with latency_ms >= ${threshold} saved in ${counts.batches} ${counts.batches === 1 ? 'transaction' : 'transactions'}, ${seconds.toFixed(2)} s`);

  const { n } = db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number };
  const countOk = Number(n) === saved;
  console.log(`check: SELECT count(*) FROM requests = ${n}, rows saved = ${saved}: ${countOk ? 'ok' : 'MISMATCH'}`);
  if (!countOk) process.exitCode = 1;
  if (facts !== undefined) {
    const factsOk = facts.lines === counts.read && facts.malformed === counts.malformed && facts.slow === saved;
    console.log(`check: generated ${facts.lines} lines, ${facts.malformed} malformed, ${facts.slow} slow; read ${counts.read}, ${counts.malformed}, ${saved}: ${factsOk ? 'ok' : 'MISMATCH'}`);
    if (!factsOk) process.exitCode = 1;
  }
} finally {
  db.close();
  if (values.keep) {
    console.log(`kept: ${dbFile}${generated ? `, ${logFile}` : ''}`);
  } else {
    await Promise.all([dbFile, `${dbFile}-wal`, `${dbFile}-shm`].map((f) => rm(f, { force: true })));
    if (generated) await rm(logFile, { force: true });
  }
}
