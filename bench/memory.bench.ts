/**
 * Peak memory (issue 14, case 5): the child process's peak RSS (MB) after ONE pass, at 100k, 1M and
 * 5M input items (each size its own case and process, so no case inherits another's heap).
 *
 * The log job — read a log file of n lines ({@link logLine}, ~80 bytes each; 5M lines is ~400 MB),
 * split it into lines, parse each `key=value` line ({@link LogJob.parse}), keep errors and slow
 * requests (`level === 'error' || ms > 900`, ~25% of the lines), group them in batches of 100 and
 * count/checksum the batches — as
 *   (a) eager: `fs.readFileSync` + `split('\n')` + `Array.map`/`filter` + slicing batches — the reference
 *   (b) genstream: `run(createReadStream(file), lines(), map(parse), filter(keep), batch(100), sink)`
 *   (c) hand-written streams: a line-splitter Transform + a parse/filter Transform + a batching Writable
 * The same parse, keep and per-batch functions run in every case.
 *
 * The seed's "O(N) list vs O(1) generator" table, measured on Node: n records `{ id, v }`
 *   (d) list: built into an array, mapped to numbers, then summed (folded into the checksum)
 *   (e) generator: an async generator of the same records through `pipe(gen, map(f))`, summed in `for await`
 *
 * Targets: (b) peak RSS at 5M ÷ at 100k ≤ 2 (memory does not grow with the input); (e) likewise.
 * (a) and (d) grow with n, for contrast. The "vs eager-5m" column compares every row with eager at
 * 5M; the summary has the per-size ratios. A pass's `items` is the number of input lines (records)
 * processed, its checksum folds every batch (every number) in order; cases of one job and one size
 * must agree. 1 pass, no warm-up: the peak is what one run of the job needs (plus Node + tsx, ~60 MB).
 *
 *   npm run bench -- memory [--cases genstream-5m,eager-5m]
 */
import * as fs from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TypedReadable } from '../lib/index.js';
import { logFile } from './data.js';
import { HandLineSplitter, Tally } from './fixtures.js';
import { defineBench, type BenchCase, type Derived, type Genstream, type Pass } from './harness.js';

// ---------------------------------------------------------------------------------------------------
// The log job.

/** One parsed log line; a malformed line parses to `level: ''`, `ms: -1` (and is filtered out). */
interface LogRow {
  ts: string;
  level: string;
  user: string;
  ms: number;
  path: string;
}

const BATCH = 100;

/** A batch's hash: its size and every row's `ms`, `level` and `path`. */
function hashBatch(batch: LogRow[]): number {
  let h = batch.length;
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i];
    h = (Math.imul(h, 31) + r.ms + Math.imul(r.level.length, 1013) + r.path.length) | 0;
  }
  return h;
}

/** The job's three functions, shared by every case, and what one pass reports. */
class LogJob {
  parsed = 0;
  readonly tally = new Tally(hashBatch);

  /** `ts=… level=… user=… ms=… path=…` → a row (unknown keys ignored). */
  readonly parse = (line: string): LogRow => {
    this.parsed++;
    const row: LogRow = { ts: '', level: '', user: '', ms: -1, path: '' };
    let start = 0;
    while (start < line.length) {
      let end = line.indexOf(' ', start);
      if (end === -1) end = line.length;
      const eq = line.indexOf('=', start);
      if (eq !== -1 && eq < end) {
        const value = line.slice(eq + 1, end);
        switch (line.slice(start, eq)) {
          case 'ts':
            row.ts = value;
            break;
          case 'level':
            row.level = value;
            break;
          case 'user':
            row.user = value;
            break;
          case 'ms':
            row.ms = Number(value);
            break;
          case 'path':
            row.path = value;
            break;
        }
      }
      start = end + 1;
    }
    return row;
  };

  readonly keep = (r: LogRow): boolean => r.level === 'error' || r.ms > 900;

  readonly addBatch = (batch: LogRow[]): void => this.tally.add(batch);

  result(): { items: number; checksum: number } {
    return { items: this.parsed, checksum: this.tally.checksum };
  }
}

/** (a) Everything in memory: the file as one string, an array of lines, of rows, of kept rows, of batches. */
async function eagerPass(file: string): Promise<{ items: number; checksum: number }> {
  const job = new LogJob();
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const kept = lines.map(job.parse).filter(job.keep);
  const batches: LogRow[][] = [];
  for (let i = 0; i < kept.length; i += BATCH) batches.push(kept.slice(i, i + BATCH));
  for (const b of batches) job.addBatch(b);
  return job.result();
}

/** (b) genstream: one run() from the file to an async sink. */
async function genstreamPass(lib: Genstream, file: string): Promise<{ items: number; checksum: number }> {
  const job = new LogJob();
  // A file stream is an untyped Readable (items `unknown`): declare its chunks.
  const input: TypedReadable<Buffer> = fs.createReadStream(file);
  await lib.run(input, lib.lines(), lib.map(job.parse), lib.filter(job.keep), lib.batch(BATCH), async (batches) => {
    for await (const b of batches) job.addBatch(b);
  });
  return job.result();
}


/** (c) Hand streams: parse each line, push the rows to keep. */
class ParseFilter extends Transform {
  constructor(private readonly job: LogJob) {
    super({ objectMode: true });
  }

  override _transform(line: string, _e: BufferEncoding, cb: TransformCallback): void {
    const row = this.job.parse(line);
    if (this.job.keep(row)) cb(null, row);
    else cb();
  }
}

/** (c) Hand streams: a Writable that collects batches of 100 and hands each to the job (the last partial one in `final`). */
function batchingSink(job: LogJob): Writable {
  let batch: LogRow[] = [];
  const add = (row: LogRow): void => {
    batch.push(row);
    if (batch.length === BATCH) {
      job.addBatch(batch);
      batch = [];
    }
  };
  return new Writable({
    objectMode: true,
    write(row: LogRow, _e, cb) {
      add(row);
      cb();
    },
    writev(chunks, cb) {
      for (let i = 0; i < chunks.length; i++) add(chunks[i].chunk as LogRow);
      cb();
    },
    final(cb) {
      if (batch.length > 0) job.addBatch(batch);
      batch = [];
      cb();
    },
  });
}

async function handPass(file: string): Promise<{ items: number; checksum: number }> {
  const job = new LogJob();
  await pipeline(fs.createReadStream(file), new HandLineSplitter(), new ParseFilter(job), batchingSink(job));
  return job.result();
}

// ---------------------------------------------------------------------------------------------------
// O(N) list vs O(1) generator.

interface Rec {
  id: number;
  v: number;
}

const rec = (i: number): Rec => ({ id: i, v: (i * 7919) % 1000 });
const value = (r: Rec): number => r.v * 2 + (r.id % 3);
const hashNumber = (x: number): number => x;

/** (d) Build the whole list, map it, then sum it. */
function listPass(n: number): { items: number; checksum: number } {
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) recs.push(rec(i));
  const values = recs.map(value);
  const tally = new Tally(hashNumber);
  for (let i = 0; i < values.length; i++) tally.add(values[i]);
  return tally.result();
}

async function* records(n: number): AsyncGenerator<Rec, void, undefined> {
  for (let i = 0; i < n; i++) yield rec(i);
}

/** (e) One record at a time: a generator through pipe(map), summed as it arrives. */
async function generatorPass(lib: Genstream, n: number): Promise<{ items: number; checksum: number }> {
  const tally = new Tally(hashNumber);
  for await (const v of lib.pipe(records(n), lib.map(value))) tally.add(v);
  return tally.result();
}

// ---------------------------------------------------------------------------------------------------
// Cases: every form at every size.

const SIZES: [string, number][] = [
  ['100k', 100_000],
  ['1m', 1_000_000],
  ['5m', 5_000_000],
];

interface Form {
  key: string;
  label: string;
  job: 'log' | 'sum';
  setup(lib: Genstream, n: number): Promise<Pass>;
}

const FORMS: Form[] = [
  {
    key: 'eager',
    label: '(a) eager: readFileSync + split + map/filter',
    job: 'log',
    setup: async (_lib, n) => {
      const file = await logFile(n);
      return () => eagerPass(file);
    },
  },
  {
    key: 'genstream',
    label: '(b) genstream run(file, lines(), map, filter, batch, sink)',
    job: 'log',
    setup: async (lib, n) => {
      const file = await logFile(n);
      return () => genstreamPass(lib, file);
    },
  },
  {
    key: 'hand',
    label: '(c) hand streams: 2 Transforms + Writable',
    job: 'log',
    setup: async (_lib, n) => {
      const file = await logFile(n);
      return () => handPass(file);
    },
  },
  {
    key: 'list',
    label: '(d) list: build an array, map, sum',
    job: 'sum',
    setup: async (_lib, n) => async () => listPass(n),
  },
  {
    key: 'gen',
    label: '(e) generator: pipe(gen, map), sum',
    job: 'sum',
    setup: async (lib, n) => () => generatorPass(lib, n),
  },
];

const cases: BenchCase[] = [];
for (const form of FORMS) {
  for (const [size, n] of SIZES) {
    cases.push({ key: `${form.key}-${size}`, label: `${form.label}, ${size.toUpperCase()}`, n, setup: ({ lib, n: caseN }) => form.setup(lib, caseN) });
  }
}
const jobOf = new Map(FORMS.map((f) => [f.key, f.job]));

export default defineBench({
  name: 'memory',
  title: 'Peak RSS of one pass at 100k / 1M / 5M items: eager arrays vs genstream vs hand streams; list vs generator',
  n: 1_000_000,
  metric: 'rss',
  passes: 1,
  warmup: 0,
  reference: 'eager-5m',
  // Each size against eager at that size (the list/generator pair: against the list).
  referenceFor: (key) => `${key.startsWith('list') || key.startsWith('gen-') ? 'list' : 'eager'}-${key.slice(key.lastIndexOf('-') + 1)}`,
  baselines: [],
  subject: 'genstream-5m',
  // The log job and the sum job have different outputs: compare each size within its job.
  outputGroup: (key) => jobOf.get(key.slice(0, key.lastIndexOf('-'))) ?? null,
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const growth = (form: string, label: string, atMost?: number): void => {
      const small = median(`${form}-100k`);
      const big = median(`${form}-5m`);
      if (small !== undefined && big !== undefined) out.push({ label: `${label}: peak RSS at 5M / at 100k`, value: big / small, unit: 'ratio', ...(atMost === undefined ? {} : { atMost }) });
    };
    growth('genstream', 'genstream', 2);
    growth('hand', 'hand streams');
    growth('eager', 'eager');
    const gs = median('genstream-5m');
    const eager = median('eager-5m');
    if (gs !== undefined && eager !== undefined) out.push({ label: 'genstream / eager at 5M', value: gs / eager, unit: 'ratio' });
    growth('gen', 'generator pipeline', 2);
    growth('list', 'list');
    return out;
  },
});
