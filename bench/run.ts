/**
 * Benchmark runner CLI.
 *
 *   npm run bench                                   # every bench/*.bench.ts
 *   npm run bench -- from-gen --rounds 3 --n 300000 # one benchmark, fewer rounds / objects
 *
 * Options:
 *   --rounds R       alternating rounds, one child process per case per round (3)
 *   --passes P       timed passes per process (5)
 *   --warmup W       untimed passes first (1; continued until 0.5 s have passed)
 *   --n N            objects per pass (the benchmark's default)
 *   --cases a,b      only these cases (the reference case always runs)
 *   --lib dist       build with tsup, then measure a snapshot of dist/index.js (default)
 *   --lib src        import lib/index.ts through tsx, no build
 *   --lib <file>     measure another built genstream module, e.g. a build of an older commit
 *   --no-build       with --lib dist: measure dist/ as it is
 *   --clock wall|cpu the clock medians and ratios use (wall). `cpu` counts only the main thread's own
 *                    on-CPU time (Linux), so time slices lost to other processes on a shared machine do
 *                    not count. The table always shows the other clock's median and how much of the time
 *                    each case waited for a CPU; the JSON holds both clocks' samples.
 *   --wait-idle[=S]  before each child, wait up to S s (120) until other processes use < 0.5 core
 *   --profile        children write V8 .cpuprofile files to <tmpdir>/genstream-bench-profiles/<name>/<case>/
 *   --timeout S      kill a child process after S s (600)
 *   --chart-only     run nothing: redraw bench/results/<name>.svg from bench/results/<name>.json
 *
 * Writes bench/results/<name>.json (machine info, every sample, medians, ratios) and <name>.svg. A run
 * limited with --cases or --profile writes bench/results/<name>.tmp.json only (git-ignored).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderChart } from './chart.js';
import { buildResult, formatTable, runBench, type BenchResult, type BenchSpec, type Clock, type RunOptions } from './harness.js';

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
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { names: [], rounds: 3, passes: 5, warmup: 1, cases: [], lib: 'dist', build: true, profile: false, timeoutS: 600, waitIdleS: 0, clock: 'wall', chartOnly: false };
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
    if (name === 'rounds') cli.rounds = count(1);
    else if (name === 'passes') cli.passes = count(1);
    else if (name === 'warmup') cli.warmup = count(0);
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
  const built = other ? path.resolve(cli.lib) : path.join(repoRoot, 'dist', 'index.js');
  if (!fs.existsSync(built)) throw new Error(`bench: ${built} is missing${other ? '' : '; run npm run build'}`);
  const libPath = path.join(tmp, 'index.js');
  fs.copyFileSync(built, libPath);
  if (fs.existsSync(`${built}.map`)) fs.copyFileSync(`${built}.map`, `${libPath}.map`);
  artefact.path = other ? built : 'dist/index.js';
  artefact.sha256 = createHash('sha256').update(fs.readFileSync(libPath)).digest('hex').slice(0, 16);
  return { libPath, artefact };
}

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
      fs.writeFileSync(path.join(resultsDir, `${name}.svg`), renderChart(result));
      console.log(`${formatTable(result)}\n\nwrote ${path.relative(repoRoot, path.join(resultsDir, `${name}.svg`))}`);
    }
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genstream-bench-'));
  let failed = false;
  try {
    const { libPath, artefact } = prepareLib(cli, tmp);
    for (const name of names) {
      const file = path.join(benchDir, `${name}.bench.ts`);
      if (!fs.existsSync(file)) throw new Error(`bench: no benchmark ${path.relative(repoRoot, file)}`);
      const spec = ((await import(pathToFileURL(file).href)) as { default: BenchSpec }).default;
      const profileDir = path.join(os.tmpdir(), 'genstream-bench-profiles', name);
      const o: RunOptions = {
        file,
        libPath,
        n: cli.n ?? spec.n,
        rounds: cli.rounds,
        passes: cli.passes,
        warmup: cli.warmup,
        only: cli.cases,
        nodeArgs: [],
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
      fs.mkdirSync(resultsDir, { recursive: true });
      const partial = cli.cases.length > 0 || cli.profile;
      const json = path.join(resultsDir, `${name}${partial ? '.tmp' : ''}.json`);
      fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
      const written = [path.relative(repoRoot, json)];
      if (!partial) {
        const svg = path.join(resultsDir, `${name}.svg`);
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

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
