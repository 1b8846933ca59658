/**
 * The benchmark harness: how a benchmark is declared, how one case is measured inside its own child
 * process, and how the parent alternates rounds, takes medians and reports.
 *
 * Hygiene (DESIGN-NOTES §4): running different stream implementations in one process makes Node's
 * shared stream internals megamorphic and slows every case, so each case runs in a fresh process
 * (`node --expose-gc --import tsx bench/child.ts`), rounds alternate across cases (A B C, A B C, ...),
 * medians are reported, and the hand-written Transform is always measured in the same run. genstream is
 * imported from a snapshot of the built `dist/index.js`, so a rebuild during the run changes nothing.
 *
 * On the 2-core VM this was written on, a whole process sometimes runs ~1.7× slower than the next one
 * (or switches speed mid-process) with nothing else running, for every case alike: more rounds of fresh
 * processes buy more accuracy than more passes in one process. Each sample also records how long the
 * main thread waited for a CPU, so a run disturbed by other processes can be recognised.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as GenstreamModule from '../lib/index.js';
import type * as GenstreamRedisModule from '../lib/redis/index.js';
import type * as GenstreamWorkersModule from '../lib/workers/index.js';

/** The genstream module as the cases receive it (the built artefact, typed by the source). */
export type Genstream = typeof GenstreamModule;

/** `genstream/workers` as the cases receive it: the same build's `workers/index.js`. */
export type GenstreamWorkers = typeof GenstreamWorkersModule;

/** `genstream/redis` as the cases receive it: the same build's `redis/index.js`. */
export type GenstreamRedis = typeof GenstreamRedisModule;

/**
 * What one pass reports: how many items reached its end and a checksum of them (order-sensitive unless
 * the benchmark says otherwise), so a case that skips work cannot "win". Benchmarks with
 * `metric: 'value'` also report the figure itself (e.g. ms to the first item, time ÷ ideal time).
 */
export interface PassResult {
  items: number;
  checksum: number;
  value?: number;
}

/** One timed pass: builds a fresh pipeline over the prepared input, runs it, resolves with what reached its end. */
export type Pass = () => Promise<PassResult>;

/**
 * What a benchmark measures:
 * - `throughput`: input items per second (higher is better), on the wall or main-thread CPU clock;
 * - `rss`: the child process's peak resident memory in MB after one pass (lower is better);
 * - `value`: the figure each pass returns, in `unit` (lower is better), e.g. ms or × the ideal time.
 */
export type Metric = 'throughput' | 'rss' | 'value';

export interface SetupContext {
  /** The genstream module under test. */
  lib: Genstream;
  /** Number of input objects per pass (the case's own `n` when it has one). */
  n: number;
  /**
   * Imports `genstream/workers` of the same build (`workers/index.js` beside the module under test, or
   * `lib/workers/index.ts` with `--lib src`), on the first call only, so other cases load nothing more.
   * A string says why there is none (a build of an older commit): return it to skip the case.
   */
  workers(): Promise<GenstreamWorkers | string>;
  /** `genstream/redis` of the same build, as `workers()` does it (`redis/index.js` beside the module). */
  redis(): Promise<GenstreamRedis | string>;
  /**
   * Registers a function to run once this process is done with the case: after the last pass, or when
   * the setup or a pass failed (the last registered runs first). For what the setup started and must
   * stop, such as a server and its connections, so the child process can exit.
   */
  teardown(fn: () => void | Promise<void>): void;
}

export interface BenchCase {
  /** Short id: used in `--cases`, in JSON, and as a ratio column header (`vs <key>`). */
  key: string;
  /** Row label in the table and the chart. */
  label: string;
  /**
   * Runs once per process before the warm-up (build the input, look up the implementation). Returns
   * the pass, or a string saying why the case is skipped in this build.
   */
  setup(ctx: SetupContext): Pass | string | Promise<Pass | string>;
  /** This case's own input size (a size series: 100k, 1M, 5M); the benchmark's `n` otherwise. */
  n?: number;
}

/** A figure computed from the medians, printed under the table and drawn on the chart when in items/s. */
export interface Derived {
  label: string;
  value: number;
  unit: 'items/s' | 'ratio' | 'value';
  /** The goal for this figure (higher is better); the report says whether it is met. */
  target?: number;
  /** A ceiling for this figure (lower is better), instead of `target`. */
  atMost?: number;
}

export interface BenchSpec {
  /** File stem: `bench/<name>.bench.ts`, results in `bench/results/<name>.json|svg`. */
  name: string;
  title: string;
  /** Default number of input objects per pass (`--n` overrides). */
  n: number;
  /** Node versions to measure on when `--node` is not given (e.g. `['20', '22', '24']`; a smoke run uses only the running one). */
  nodes?: string[];
  /** What is measured (default `throughput`). */
  metric?: Metric;
  /** Unit of a `value` metric, e.g. `ms` or `× ideal`. */
  unit?: string;
  /**
   * The clock this benchmark is judged on, whatever `--clock` says: `wall` where the work is not on the
   * main thread (worker threads, a Redis server), so its CPU time would leave it out.
   */
  clock?: Clock;
  /** Timed passes and warm-up passes per process when the benchmark needs fixed ones (`rss`: 1 and 0). */
  passes?: number;
  warmup?: number;
  /**
   * Which cases must produce the same checksum: by default all cases with the same `n`. Return a group
   * name per case to compare within groups only (e.g. ordered vs unordered output), or `null` to not
   * compare that case.
   */
  outputGroup?(key: string): string | null;
  /** Key of the hand-written Transform case every other case is compared with. */
  reference: string;
  /**
   * The case a given case is compared with, when it is not `reference` (a size series with one
   * reference per size: `eager-1m` for `genstream-1m`). Cases of different sizes are never compared.
   */
  referenceFor?(key: string): string;
  /** Keys of further cases to show a ratio column for. */
  baselines: string[];
  /** Key of the case under test, highlighted in the chart. */
  subject?: string;
  /** How many items must reach the end of a pass over `n` inputs (default `n`); checked every pass. */
  expected?(n: number): number;
  cases: BenchCase[];
  /** Extra figures from the medians (`median(key)` is undefined for a skipped or failed case). */
  summary?(median: (key: string) => number | undefined): Derived[];
}

/** Checks a benchmark declaration once, where it is written. */
export function defineBench(spec: BenchSpec): BenchSpec {
  const keys = new Set<string>();
  for (const c of spec.cases) {
    if (keys.has(c.key)) throw new Error(`bench ${spec.name}: duplicate case key "${c.key}"`);
    keys.add(c.key);
  }
  for (const k of [spec.reference, ...spec.baselines, ...(spec.subject === undefined ? [] : [spec.subject])]) {
    if (!keys.has(k)) throw new Error(`bench ${spec.name}: reference/baseline "${k}" is not a case`);
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------------
// Child side: measure one case in this process.

export interface MeasureOptions {
  n: number;
  passes: number;
  warmup: number;
  /** The file `lib` was imported from (its `workers/index` and `redis/index` siblings are `genstream/workers` and `genstream/redis`). */
  libPath: string;
}

/** Imports the `genstream/<entry>` entry point beside the genstream module at `libPath`, or says why there is none. */
async function importEntry<T>(libPath: string, entry: 'workers' | 'redis'): Promise<T | string> {
  const file = path.join(path.dirname(libPath), entry, `index${path.extname(libPath)}`);
  if (!fs.existsSync(file)) return `this build has no genstream/${entry} (${file} is missing)`;
  return (await import(pathToFileURL(file).href)) as T;
}

/**
 * What a child process reports for its case, one entry per timed pass:
 * - `wall`: input items per wall-clock second (the figure DESIGN-NOTES quotes), or for `rss`/`value`
 *   benchmarks the measured figure itself;
 * - `cpu`: input items per second of the main thread's own on-CPU time (Linux: /proc schedstat). Time
 *   slices lost to other processes do not count, so on a shared machine it moves less than `wall`
 *   (throughput benchmarks only);
 * - `wait`: the fraction of the pass the main thread was ready to run but waiting for a CPU.
 * `processCpuMs` is the CPU time of the whole process (all threads), start to end; `items` and
 * `checksum` describe the output of the last pass (every pass must agree).
 */
export type ChildResult =
  | { wall: number[]; cpu: number[]; wait: number[]; processCpuMs: number; items: number; checksum: number }
  | { skipped: string };

/** Marks the one stdout line a child reports its result on. */
export const RESULT_MARK = '@@bench-result ';

const WARMUP_MS = 500;

/** Runs `warmup` untimed passes (and more until 0.5 s have passed), then `passes` timed ones. */
export async function measureCase(spec: BenchSpec, key: string, lib: Genstream, o: MeasureOptions): Promise<ChildResult> {
  const c = spec.cases.find((x) => x.key === key);
  if (c === undefined) throw new Error(`bench ${spec.name}: no case "${key}"`);
  const teardowns: (() => void | Promise<void>)[] = [];
  let result: ChildResult;
  try {
    result = await measureWith(spec, key, c, lib, o, teardowns);
  } catch (err) {
    await runTeardowns(teardowns).catch(() => {}); // the case's own error is the one to report
    throw err;
  }
  await runTeardowns(teardowns);
  return result;
}

/** Runs the teardowns, last registered first, every one even if one fails; then throws the first error. */
async function runTeardowns(teardowns: (() => void | Promise<void>)[]): Promise<void> {
  let failure: { err: unknown } | null = null;
  for (const fn of teardowns.splice(0).reverse()) {
    try {
      await fn();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure !== null) throw failure.err;
}

async function measureWith(
  spec: BenchSpec,
  key: string,
  c: BenchCase,
  lib: Genstream,
  o: MeasureOptions,
  teardowns: (() => void | Promise<void>)[],
): Promise<ChildResult> {
  const metric = spec.metric ?? 'throughput';
  let workers: Promise<GenstreamWorkers | string> | undefined;
  let redis: Promise<GenstreamRedis | string> | undefined;
  const pass = await c.setup({
    lib,
    n: o.n,
    workers: () => (workers ??= importEntry<GenstreamWorkers>(o.libPath, 'workers')),
    redis: () => (redis ??= importEntry<GenstreamRedis>(o.libPath, 'redis')),
    teardown: (fn) => void teardowns.push(fn),
  });
  if (typeof pass === 'string') return { skipped: pass };
  const expected = spec.expected ? spec.expected(o.n) : o.n;
  let first: PassResult | undefined;
  const check = (r: PassResult): void => {
    if (r.items !== expected) throw new Error(`bench ${spec.name}/${key}: ${r.items} items reached the sink, expected ${expected}`);
    if (!Number.isFinite(r.checksum)) throw new Error(`bench ${spec.name}/${key}: the pass returned no checksum`);
    if (first === undefined) first = r;
    else if (r.checksum !== first.checksum) throw new Error(`bench ${spec.name}/${key}: checksum ${r.checksum} differs from the first pass's ${first.checksum}`);
    if (metric === 'value' && (r.value === undefined || !Number.isFinite(r.value))) throw new Error(`bench ${spec.name}/${key}: the pass returned no value`);
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  // Warm up for `warmup` passes and at least WARMUP_MS, so a small --n still reaches optimized code.
  const warmStart = performance.now();
  for (let w = 0; w < o.warmup || (o.warmup > 0 && performance.now() - warmStart < WARMUP_MS && w < 50); w++) check(await pass());
  const wall: number[] = [];
  const cpu: number[] = [];
  const wait: number[] = [];
  for (let p = 0; p < o.passes; p++) {
    gc?.(); // start every timed pass from the same heap state, so one pass does not pay another's garbage
    const s0 = mainThreadSched();
    const t0 = performance.now();
    const r = await pass();
    const ms = performance.now() - t0;
    const s1 = mainThreadSched();
    check(r);
    if (metric === 'rss') wall.push(process.resourceUsage().maxRSS / 1024);
    else if (metric === 'value') wall.push(r.value as number);
    else wall.push((o.n / ms) * 1000);
    if (s0 !== undefined && s1 !== undefined) {
      // A pass shorter than the scheduler's accounting step shows no CPU time: no CPU sample (not Infinity).
      if (metric === 'throughput' && s1.runNs > s0.runNs) cpu.push(o.n / ((s1.runNs - s0.runNs) / 1e9));
      wait.push((s1.waitNs - s0.waitNs) / 1e6 / ms);
    }
  }
  const usage = process.cpuUsage();
  const last = first as PassResult;
  return { wall, cpu, wait, processCpuMs: (usage.user + usage.system) / 1000, items: last.items, checksum: last.checksum };
}

const schedPath = `/proc/self/task/${process.pid}/schedstat`;

/** The main thread's time on a CPU and time waiting for one, in ns (Linux); undefined elsewhere. */
function mainThreadSched(): { runNs: number; waitNs: number } | undefined {
  try {
    const [run, wait] = fs.readFileSync(schedPath, 'utf8').split(' ');
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Parent side: alternate rounds of child processes, then report.

/** Which clock the medians, ratios, derived figures and the chart use. */
export type Clock = 'wall' | 'cpu';

/** A Node binary the children run on. */
export interface NodeBinary {
  /** `process.version` of that binary, e.g. `v22.23.5`. */
  version: string;
  path: string;
}

export interface RunOptions extends MeasureOptions {
  rounds: number;
  /** Bench file (absolute path) the children import. */
  file: string;
  /** Module file (absolute path) the children import as genstream. */
  libPath: string;
  /** Only these case keys (all when empty). */
  only: string[];
  /** Extra node flags for the children. */
  nodeArgs: string[];
  /** The Node binaries to measure on; the first is the primary one (table, ratios, chart). */
  nodes: NodeBinary[];
  /** Input size of a case with its own `n` (the runner scales it down for a smoke run). */
  caseN(c: BenchCase): number;
  /** When set, each child writes V8 CPU profiles to `<profileDir>/<case key>/` (the main thread's file has thread id 0: `CPU.<date>.<pid>.0.<seq>.cpuprofile`). */
  profileDir?: string;
  /** Kill a child that runs longer than this. */
  timeoutMs: number;
  /** Before each child, wait up to this long for other processes to use less than half a core (0: don't). */
  waitIdleMs: number;
  clock: Clock;
}

/** The figure of every timed pass, round by round, and their summary. */
export interface Series {
  rounds: number[][];
  samples: number[];
  median?: number;
  min?: number;
  max?: number;
}

export interface CaseResult {
  key: string;
  label: string;
  /** Input size of this case. */
  n: number;
  /** `process.version` of the Node binary it ran on. */
  node: string;
  /** Why the case did not run (skipped by its setup, or failed). */
  skipped?: string;
  failed?: string;
  /** Items that reached the end of a pass, and their checksum (the same in every pass and round). */
  items?: number;
  checksum?: number;
  wall: Series;
  /** Items per second of main-thread CPU time (throughput benchmarks; empty where /proc is not available). */
  cpu: Series;
  /** Per timed pass: fraction of the time the main thread waited for a CPU. */
  wait: number[];
  /** Per round: CPU cores other processes kept busy, on average, while this case's process ran (Linux). */
  otherLoad: number[];
}

export interface SummaryCase extends CaseResult {
  median?: number;
  min?: number;
  max?: number;
  vsReference?: number;
  vsBaselines: Record<string, number>;
}

export interface BenchResult {
  name: string;
  title: string;
  n: number;
  metric: Metric;
  /** Unit of `median`/`min`/`max`: items/s, items/CPU-s, MB or the benchmark's own unit. */
  unit: string;
  rounds: number;
  passes: number;
  warmup: number;
  /** The clock `median`/ratios/`derived` use; the other clock's medians are in each case too. */
  clock: Clock;
  date: string;
  machine: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; totalMemGB: number; loadavg: number[] };
  artefact: Record<string, string | boolean>;
  reference: string;
  baselines: string[];
  subject?: string;
  /** Cases on the primary Node binary. */
  cases: SummaryCase[];
  /** The same cases on every further Node binary (`--node 20,22,24`). */
  otherNodes: { node: string; cases: SummaryCase[] }[];
  derived: (Derived & { met?: boolean; otherClock?: number })[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

const series = (): Series => ({ rounds: [], samples: [] });

/** The primary figure of a benchmark is lower-is-better (memory, latency, × ideal). */
export const lowerIsBetter = (metric: Metric | undefined): boolean => metric === 'rss' || metric === 'value';

export async function runBench(spec: BenchSpec, o: RunOptions, log: (line: string) => void): Promise<CaseResult[]> {
  const cases = spec.cases.filter((c) => o.only.length === 0 || o.only.includes(c.key) || c.key === spec.reference);
  const results = new Map<string, CaseResult>();
  const id = (node: NodeBinary, c: BenchCase): string => `${node.version} ${c.key}`;
  for (const node of o.nodes) {
    for (const c of cases) {
      results.set(id(node, c), { key: c.key, label: c.label, n: o.caseN(c), node: node.version, wall: series(), cpu: series(), wait: [], otherLoad: [] });
    }
  }
  const multiNode = o.nodes.length > 1;
  for (let r = 1; r <= o.rounds; r++) {
    // Rotate the order every round, so no case always runs first (or right after the same neighbour).
    const shift = (r - 1) % cases.length;
    const order = [...cases.slice(shift), ...cases.slice(0, shift)];
    for (const node of o.nodes) {
      for (const c of order) {
        const res = results.get(id(node, c)) as CaseResult;
        if (res.skipped !== undefined || res.failed !== undefined) continue;
        const tag = `  round ${r}/${o.rounds}  ${multiNode ? `${node.version.padEnd(9)} ` : ''}${c.key.padEnd(14)}`;
        let out: ChildResult;
        let otherLoad: number | undefined;
        try {
          if (o.waitIdleMs > 0) await waitIdle(o.waitIdleMs, log);
          const before = machineTimes();
          const t0 = performance.now();
          out = await runChild(c.key, res.n, node, o);
          if ('processCpuMs' in out) otherLoad = foreignCores(before, machineTimes(), out.processCpuMs, performance.now() - t0);
        } catch (err) {
          res.failed = (err as Error).message;
          log(`${tag} FAILED: ${res.failed}`);
          continue;
        }
        if ('skipped' in out) {
          res.skipped = out.skipped;
          log(`${tag} skipped: ${out.skipped}`);
          continue;
        }
        if (res.checksum !== undefined && res.checksum !== out.checksum) {
          res.failed = `checksum ${out.checksum} in round ${r} differs from ${res.checksum} in an earlier round`;
          log(`${tag} FAILED: ${res.failed}`);
          continue;
        }
        res.items = out.items;
        res.checksum = out.checksum;
        res.wall.rounds.push(out.wall);
        res.wall.samples.push(...out.wall);
        if (out.cpu.length > 0) {
          res.cpu.rounds.push(out.cpu);
          res.cpu.samples.push(...out.cpu);
        }
        res.wait.push(...out.wait);
        if (otherLoad !== undefined) res.otherLoad.push(otherLoad);
        const shown = (spec.clock ?? o.clock) === 'cpu' && out.cpu.length > 0 ? out.cpu : out.wall;
        const fmt = (v: number): string => fmtValue(spec.metric, v);
        const extra = [
          out.wait.length > 0 ? `waited ${pct(median(out.wait))}` : '',
          otherLoad === undefined ? '' : `other processes ${otherLoad.toFixed(1)} cores`,
        ].filter(Boolean);
        log(`${tag} ${shown.map(fmt).join(' ')}  (median ${fmt(median(shown))}${extra.length ? `; ${extra.join(', ')}` : ''})`);
      }
    }
  }
  const all = [...results.values()];
  checkSameOutput(spec, all);
  for (const res of all) {
    for (const s of [res.wall, res.cpu]) {
      if (s.samples.length === 0) continue;
      s.median = median(s.samples);
      s.min = Math.min(...s.samples);
      s.max = Math.max(...s.samples);
    }
  }
  return all;
}

/**
 * Every case must produce the same output as the reference: cases with the same input size (on the
 * same Node) and the same output group must agree on their checksum. A case that differs has failed.
 */
function checkSameOutput(spec: BenchSpec, results: CaseResult[]): void {
  const groupOf = (key: string): string | null => (spec.outputGroup ? spec.outputGroup(key) : '');
  const seen = new Map<string, CaseResult>();
  // The reference first, so it is the one the others are compared with.
  const ordered = [...results].sort((a, b) => Number(b.key === spec.reference) - Number(a.key === spec.reference));
  for (const res of ordered) {
    const group = groupOf(res.key);
    if (group === null || res.checksum === undefined || res.failed !== undefined) continue;
    const k = `${res.node} ${res.n} ${group}`;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, res);
    else if (first.checksum !== res.checksum) {
      res.failed = `output differs from ${first.key}'s: checksum ${res.checksum} vs ${first.checksum} (${res.items} vs ${first.items} items)`;
    }
  }
}

function runChild(key: string, n: number, node: NodeBinary, o: RunOptions): Promise<ChildResult> {
  const args = [
    '--expose-gc',
    ...o.nodeArgs,
    ...(o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(o.profileDir, key)}`]),
    '--import',
    'tsx',
    path.join(here, 'child.ts'),
    o.file,
    key,
    `--n=${n}`,
    `--passes=${o.passes}`,
    `--warmup=${o.warmup}`,
    `--lib=${o.libPath}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(node.path, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code === 0 && line !== undefined) return resolve(JSON.parse(line.slice(RESULT_MARK.length)) as ChildResult);
      const why = signal === 'SIGKILL' ? `timed out after ${o.timeoutMs / 1000}s` : `exit ${code ?? signal}`;
      const detail = stderr.trim().split('\n').slice(0, 6).join('\n    ');
      reject(new Error(`${why}${detail ? `\n    ${detail}` : ''}`));
    });
  });
}

/** Whole-machine CPU counters from /proc/stat (Linux), in clock ticks; undefined elsewhere. */
function machineTimes(): { busy: number; total: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const f = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Average number of cores busy with something other than the child over its lifetime. */
function foreignCores(
  a: ReturnType<typeof machineTimes>,
  b: ReturnType<typeof machineTimes>,
  childCpuMs: number,
  wallMs: number,
): number | undefined {
  if (a === undefined || b === undefined || b.total === a.total) return undefined;
  const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length;
  return Math.max(0, busyCores - childCpuMs / wallMs);
}

/** Waits (at most `maxMs`) until other processes keep less than half a core busy over one second. */
async function waitIdle(maxMs: number, log: (line: string) => void): Promise<void> {
  const start = performance.now();
  let said = false;
  while (performance.now() - start < maxMs) {
    const a = machineTimes();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineTimes();
    if (a === undefined || b === undefined) return;
    const busy = ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * os.cpus().length;
    if (busy < 0.5) return;
    if (!said) log(`  waiting for the machine to quieten (${busy.toFixed(1)} cores busy) ...`);
    said = true;
  }
  log(`  still busy after ${Math.round(maxMs / 1000)} s; measuring anyway`);
}

/** Assembles the JSON document: machine info, every sample, medians and ratios. */
export function buildResult(spec: BenchSpec, cases: CaseResult[], o: RunOptions, artefact: Record<string, string | boolean>): BenchResult {
  const metric = spec.metric ?? 'throughput';
  const clock: Clock = metric === 'throughput' ? (spec.clock ?? o.clock) : 'wall';
  const other: Clock = clock === 'wall' ? 'cpu' : 'wall';
  const primary = o.nodes[0].version;
  const onNode = (node: string): CaseResult[] => cases.filter((c) => c.node === node);
  const medianOf =
    (list: CaseResult[], c: Clock) =>
    (key: string): number | undefined =>
      list.find((x) => x.key === key)?.[c].median;
  const summarise = (list: CaseResult[]): SummaryCase[] => {
    // A size series compares each case with the reference (and baselines) of its own size.
    const at = (key: string, n: number): number | undefined => {
      const r = list.find((x) => x.key === key);
      return r !== undefined && r.n === n ? r[clock].median : undefined;
    };
    return list.map((c) => {
      const s = c[clock];
      const ref = at(spec.referenceFor?.(c.key) ?? spec.reference, c.n);
      const vsBaselines: Record<string, number> = {};
      for (const b of spec.baselines) {
        const mb = at(b, c.n);
        if (s.median !== undefined && mb !== undefined) vsBaselines[b] = s.median / mb;
      }
      const vsReference = s.median !== undefined && ref !== undefined ? s.median / ref : undefined;
      return { ...c, median: s.median, min: s.min, max: s.max, vsReference, vsBaselines };
    });
  };
  const main = onNode(primary);
  const derived = derive(spec, metric, medianOf(main, clock), medianOf(main, other));
  const cpus = os.cpus();
  return {
    name: spec.name,
    title: spec.title,
    n: o.n,
    metric,
    unit: metric === 'rss' ? 'MB peak RSS' : metric === 'value' ? (spec.unit ?? '') : clock === 'wall' ? 'items/s' : 'items/CPU-s',
    rounds: o.rounds,
    passes: o.passes,
    warmup: o.warmup,
    clock,
    date: new Date().toISOString(),
    machine: {
      node: primary,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      totalMemGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    artefact,
    reference: spec.reference,
    baselines: spec.baselines,
    subject: spec.subject,
    cases: summarise(main),
    otherNodes: o.nodes.slice(1).map((node) => ({ node: node.version, cases: summarise(onNode(node.version)) })),
    derived,
  };
}

/** The benchmark's derived figures from medians on the primary clock (and the other one), with targets judged. */
function derive(
  spec: BenchSpec,
  metric: Metric,
  median: (key: string) => number | undefined,
  otherMedian: (key: string) => number | undefined,
): BenchResult['derived'] {
  const otherDerived = metric === 'throughput' ? (spec.summary?.(otherMedian) ?? []) : [];
  return (spec.summary?.(median) ?? []).map((d) => {
    const alt = otherDerived.find((x) => x.label === d.label);
    const met = d.target !== undefined ? d.value >= d.target : d.atMost !== undefined ? d.value <= d.atMost : undefined;
    return { ...d, ...(met === undefined ? {} : { met }), ...(alt === undefined ? {} : { otherClock: alt.value }) };
  });
}

/** Recomputes a stored result's derived figures from its medians (`--chart-only`). */
export function deriveFigures(spec: BenchSpec, r: BenchResult): BenchResult['derived'] {
  const other: Clock = r.clock === 'wall' ? 'cpu' : 'wall';
  const at = (clock: Clock) => (key: string): number | undefined => r.cases.find((c) => c.key === key)?.[clock].median;
  return derive(spec, r.metric ?? 'throughput', at(r.clock), at(other));
}

/** Formats one figure of a benchmark with the given metric. */
export function fmtValue(metric: Metric | undefined, x: number): string {
  if (metric === 'rss') return `${x.toFixed(0)} MB`;
  if (metric === 'value') return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  return fmtRate(x);
}

/** The table printed at the end of a run (Markdown, so it can be pasted into notes as is). */
export function formatTable(r: BenchResult): string {
  const throughput = r.metric === 'throughput';
  const other: Clock = r.clock === 'wall' ? 'cpu' : 'wall';
  const unitOf = (clock: Clock): string => (clock === 'wall' ? 'items/s' : 'items/CPU-s');
  const fmt = (v: number): string => fmtValue(r.metric, v);
  const header = [
    'case',
    ...(r.cases.some((c) => c.n !== r.n) ? ['n'] : []),
    `median ${throughput ? unitOf(r.clock) : r.unit}`,
    'min – max',
    `vs ${r.reference}`,
    ...r.baselines.map((b) => `vs ${b}`),
    ...r.otherNodes.map((o) => `vs ${r.reference} on ${o.node}`),
    ...(throughput ? [`median ${unitOf(other)}`] : []),
    'waited for CPU',
  ];
  const withN = header[1] === 'n';
  const rows = r.cases.map((c) => {
    const nCell = withN ? [c.n.toLocaleString('en-US')] : [];
    if (c.median === undefined) {
      const note = c.skipped !== undefined ? `skipped: ${c.skipped}` : `failed: ${(c.failed ?? '').split('\n')[0]}`;
      return [c.label, ...nCell, note, ...header.slice(2 + nCell.length).map(() => '')];
    }
    const o = c[other].median;
    return [
      c.label,
      ...nCell,
      fmt(c.median),
      `${fmt(c.min as number)} – ${fmt(c.max as number)}`,
      c.vsReference === undefined ? '' : fmtRatio(c.vsReference),
      ...r.baselines.map((b) => (c.vsBaselines[b] === undefined ? '' : fmtRatio(c.vsBaselines[b]))),
      ...r.otherNodes.map((on) => {
        const x = on.cases.find((y) => y.key === c.key && y.n === c.n)?.vsReference;
        return x === undefined ? '' : fmtRatio(x);
      }),
      ...(throughput ? [o === undefined ? '' : fmtRate(o)] : []),
      c.wait.length === 0 ? '' : pct(median(c.wait)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join(' | ')} |`;
  const clockNote = throughput ? (r.clock === 'wall' ? 'wall clock' : 'main-thread CPU clock') : `${r.unit}, lower is better`;
  const out = [
    `${r.title}: n = ${r.n.toLocaleString('en-US')}, ${r.rounds} rounds × ${r.passes} passes (+≥${r.warmup} warm-up), ` +
      `${clockNote}, node ${r.machine.node}${r.otherNodes.map((o) => ` + ${o.node}`).join('')}, ${r.machine.cpus} CPUs, ${r.date.slice(0, 10)}`,
    '',
    line(header),
    `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`,
    ...rows.map(line),
  ];
  if (r.derived.length > 0) {
    out.push('');
    for (const d of r.derived) {
      const show = (v: number): string => (d.unit === 'items/s' ? `${fmtRate(v)} ${unitOf(r.clock)}` : d.unit === 'value' ? `${fmt(v)} ${r.unit}` : fmtRatio(v));
      const goal = d.target !== undefined ? `target ≥ ${show(d.target)}` : d.atMost !== undefined ? `target ≤ ${show(d.atMost)}` : '';
      const target = goal === '' ? '' : `   (${goal}: ${d.met ? 'met' : 'NOT met'})`;
      const alt = d.otherClock === undefined ? '' : `   [${other === 'cpu' ? 'CPU' : 'wall'} clock: ${show(d.otherClock)}]`;
      out.push(`${d.label}: ${show(d.value)}${target}${alt}`);
    }
  }
  return out.join('\n');
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

export function fmtRatio(x: number): string {
  return `${x.toFixed(2)}×`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
