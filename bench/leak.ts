/**
 * Leak test (opt-in, not a benchmark): builds many pipelines over a temp file, stops each one
 * mid-flight in one of six ways, and checks that nothing outlives them: open file descriptors and
 * active handles are back to their baseline, and every stream the script created is garbage-collected.
 *
 *   npm run soak:leak                         # 2000 pipelines
 *   npm run soak:leak -- --pipelines 300      # the CI size (npm run soak:ci); or LEAK_PIPELINES=300
 *   node --expose-gc --import tsx bench/leak.ts --pipelines 600 --only run-skip,pipe-return
 *
 * Scenarios (the pipelines are shared out evenly; each scenario runs as its own phase, so a leak is
 * attributed to exactly one scenario):
 *   pipeline-abort    pipeline(createReadStream(file), lines(), fromGen(stage), toWritable(sink), { signal }),
 *                     aborted by the sink's controller after k lines
 *   pipeline-destroy  the same pipeline; the fromGen Duplex is destroyed with an error after k lines
 *   run-early         run(createReadStream(file), lines(), map(f), sink) — the sink returns after k lines
 *   run-skip          run(createReadStream(file), lines(), map(f), async () => 'skip') — the sink returns
 *                     before its first read
 *   pipe-break        for await (… of pipe(createReadStream(file), lines(), map(f))) — break after k lines
 *   pipe-return       pipe(createReadStream(file), lines(), map(f)).return() before the first next()
 * k varies with the pipeline's index (1 … 2000 of the file's 20000 lines), so the stop lands before the
 * first chunk has been split, inside a chunk and across chunk boundaries. Pipelines run 4 at a time.
 *
 * Checks, after each phase (against the counts when the phase began) and at the end (against the
 * baseline before the first phase), after up to 2 s of settling (fs closes are asynchronous):
 * - fds: the number of entries in /proc/self/fd is back to where it was;
 * - handles: `process.getActiveResourcesInfo()` has no more entries of any kind than before;
 * - collectable: every ReadStream, fromGen Duplex, toWritable Writable and pipe() generator was
 *   registered in a FinalizationRegistry; after dropping all references and forcing GC up to 10 times
 *   (with macrotasks between, so finalizers can run), at least 99 % of each phase's objects are collected;
 * - every pipeline settled within 10 s (hang guard) as documented: abort → AbortError, destroy(err) →
 *   that same error, run() → the sink's value, pipe() → ended.
 * Exits 1 when any check fails, naming the scenario.
 */
import { createReadStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromGen, isAbortError, lines, map, pipe, run, toWritable, type TypedReadable } from '../lib/index.js';

const SCENARIOS = ['pipeline-abort', 'pipeline-destroy', 'run-early', 'run-skip', 'pipe-break', 'pipe-return'] as const;
type Scenario = (typeof SCENARIOS)[number];

const LINES = 20_000;
const CONCURRENCY = 4;
const HANG_GUARD_MS = 10_000;
const COLLECTED_MIN = 0.99;

interface Options {
  pipelines: number;
  only: Scenario[];
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { pipelines: Number(process.env.LEAK_PIPELINES ?? 2000), only: [...SCENARIOS] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => inline ?? argv[++i] ?? '';
    if (flag === '--pipelines') opts.pipelines = Number(value());
    else if (flag === '--only') {
      const names = value().split(',');
      const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`leak: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
      opts.only = names as Scenario[];
    } else throw new Error(`leak: unknown argument ${argv[i]} (use --pipelines N, --only a,b)`);
  }
  if (!Number.isSafeInteger(opts.pipelines) || opts.pipelines < opts.only.length) {
    throw new Error(`leak: --pipelines must be an integer ≥ ${opts.only.length}, got ${opts.pipelines}`);
  }
  return opts;
}

const gc = (globalThis as { gc?: () => void }).gc;

// ---- what is measured ----

function fdCount(): number {
  // readdirSync opens the directory itself while listing: the same +1 in every measurement.
  return readdirSync('/proc/self/fd').length;
}

function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** Kinds of handles with more entries now than at the baseline, e.g. `FSReqCallback +3`. */
function extraHandles(baseline: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [name, n] of handleCounts()) {
    const more = n - (baseline.get(name) ?? 0);
    if (more > 0) extra.push(`${name} +${more}`);
  }
  return extra;
}

interface Tally {
  registered: number;
  collected: number;
}

const tallies = new Map<Scenario, Tally>();
const registry = new FinalizationRegistry<Scenario>((scenario) => {
  tallies.get(scenario)!.collected++;
});

function track<T extends object>(scenario: Scenario, value: T): T {
  registry.register(value, scenario);
  tallies.get(scenario)!.registered++;
  return value;
}

// ---- the scenarios: each builds one pipeline over the file, stops it after k lines, and checks how it settled ----

class StopError extends Error {
  override name = 'StopError';
}

type Outcome = 'ok' | string;

async function runOne(scenario: Scenario, file: string, k: number): Promise<Outcome> {
  // A file stream is an untyped Readable (items `unknown` in chain()/pipe()/run()): declare its chunks.
  const source = (): TypedReadable<Buffer> => track(scenario, createReadStream(file, { highWaterMark: 16 * 1024 }));
  const upper = (line: string): string => line.toUpperCase();
  switch (scenario) {
    case 'pipeline-abort': {
      const controller = new AbortController();
      let seen = 0;
      const stage = track(
        scenario,
        fromGen(async function* (src: AsyncIterable<string>) {
          for await (const line of src) yield line.length;
        }),
      );
      const sink = track(
        scenario,
        toWritable(async (lengths: AsyncIterable<number>) => {
          for await (const _ of lengths) if (++seen === k) controller.abort();
        }),
      );
      try {
        await pipeline(source(), lines(), stage, sink, { signal: controller.signal });
        return `resolved after ${seen} lines, expected an AbortError`;
      } catch (err) {
        return isAbortError(err) ? 'ok' : `rejected with ${String(err)}, expected an AbortError`;
      }
    }
    case 'pipeline-destroy': {
      const stop = new StopError(`stop after ${k} lines`);
      let seen = 0;
      const stage = track(
        scenario,
        fromGen(async function* (src: AsyncIterable<string>) {
          for await (const line of src) yield line.length;
        }),
      );
      const sink = track(
        scenario,
        toWritable(async (lengths: AsyncIterable<number>) => {
          for await (const _ of lengths) if (++seen === k) stage.destroy(stop);
        }),
      );
      try {
        await pipeline(source(), lines(), stage, sink);
        return `resolved after ${seen} lines, expected the destroy error`;
      } catch (err) {
        return err === stop ? 'ok' : `rejected with ${String(err)}, expected the destroy error itself`;
      }
    }
    case 'run-early': {
      const n = await run(source(), lines(), map(upper), async (src: AsyncIterable<string>) => {
        let seen = 0;
        for await (const _ of src) if (++seen === k) return seen;
        return seen;
      });
      return n === k ? 'ok' : `resolved with ${n}, expected ${k}`;
    }
    case 'run-skip': {
      const out = await run(source(), lines(), map(upper), async () => 'skip');
      return out === 'skip' ? 'ok' : `resolved with ${String(out)}, expected 'skip'`;
    }
    case 'pipe-break': {
      let seen = 0;
      for await (const _ of track(scenario, pipe(source(), lines(), map(upper)))) if (++seen === k) break;
      return seen === k ? 'ok' : `ended after ${seen} lines, expected ${k}`;
    }
    case 'pipe-return': {
      const it = track(scenario, pipe(source(), lines(), map(upper)));
      const result = await it.return(undefined);
      return result.done ? 'ok' : 'return() did not finish the generator';
    }
  }
}

function withHangGuard(promise: Promise<Outcome>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(`did not settle within ${HANG_GUARD_MS} ms`), HANG_GUARD_MS);
  });
  return Promise.race([promise.catch((err: unknown) => `threw ${String(err)}`), guard]).finally(() => clearTimeout(timer));
}

// ---- phases and report ----

interface PhaseResult {
  scenario: Scenario;
  pipelines: number;
  failures: Map<string, number>;
  fdDelta: number;
  handles: string[];
  registered: number;
  collected: number;
  ms: number;
}

/** Waits (up to `ms`) until `done()` holds, giving asynchronous closes time to finish. */
async function settle(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
}

/** Forces GC up to `rounds` times, with macrotasks between so FinalizationRegistry callbacks can run. */
async function collect(done: () => boolean, rounds: number): Promise<number> {
  let round = 0;
  while (round < rounds && !done()) {
    round++;
    gc!();
    await sleep(10);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return round;
}

/** Runs one scenario's pipelines; fds and handles are compared with their counts when the phase began. */
async function runPhase(scenario: Scenario, count: number, indexStart: number, file: string): Promise<PhaseResult> {
  tallies.set(scenario, { registered: 0, collected: 0 });
  const baseFds = fdCount();
  const baseHandles = handleCounts();
  const failures = new Map<string, number>();
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = indexStart + next++;
      const k = 1 + ((index * 7919) % 2000); // 1 … 2000 lines, spread over the pipelines
      const outcome = await withHangGuard(runOne(scenario, file, k));
      if (outcome !== 'ok') failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - started;
  await settle(() => fdCount() <= baseFds && extraHandles(baseHandles).length === 0, 2000);
  const tally = tallies.get(scenario)!;
  await collect(() => tally.collected >= tally.registered, 10);
  return { scenario, pipelines: count, failures, fdDelta: fdCount() - baseFds, handles: extraHandles(baseHandles), registered: tally.registered, collected: tally.collected, ms };
}

async function main(): Promise<void> {
  if (gc === undefined) {
    console.error('leak: run with --expose-gc: node --expose-gc --import tsx bench/leak.ts');
    process.exit(2);
  }
  const { pipelines, only } = parseArgs(process.argv.slice(2));

  const dir = mkdtempSync(join(tmpdir(), 'genstream-leak-'));
  const file = join(dir, 'lines.txt');
  const body: string[] = [];
  for (let i = 0; i < LINES; i++) body.push(`line ${i} ${'x'.repeat(i % 60)}`);
  writeFileSync(file, body.join('\n') + '\n');

  // Baseline after one complete, undisturbed pipeline (lazy module state, the fs thread pool, timers
  // used by the script itself), so that the figures show only what the stopped pipelines left behind.
  await pipeline(createReadStream(file), lines(), toWritable(async (src: AsyncIterable<string>) => { for await (const _ of src); }));
  await settle(() => false, 100);
  gc();
  const baseFds = fdCount();
  const baseHandles = handleCounts();

  const results: PhaseResult[] = [];
  let indexStart = 0;
  for (const [i, scenario] of only.entries()) {
    const count = Math.floor(pipelines / only.length) + (i < pipelines % only.length ? 1 : 0);
    results.push(await runPhase(scenario, count, indexStart, file));
    indexStart += count;
  }
  rmSync(dir, { recursive: true, force: true });
  await settle(() => fdCount() <= baseFds && extraHandles(baseHandles).length === 0, 2000);
  const endFds = fdCount() - baseFds;
  const endHandles = extraHandles(baseHandles);

  console.log(`leak: ${pipelines} pipelines over a ${LINES}-line temp file, stopped mid-flight, ${CONCURRENCY} at a time`);
  console.log(`  baseline: ${baseFds} fds, ${[...baseHandles.values()].reduce((a, b) => a + b, 0)} active resources (${[...baseHandles].map(([n, c]) => `${n} ${c}`).join(', ') || 'none'})`);
  console.log('');
  console.log('  scenario          pipelines  settled ok   fds left  handles left           collected         ms');
  const problems: string[] = [];
  for (const r of results) {
    const failed = [...r.failures.values()].reduce((a, b) => a + b, 0);
    const ratio = r.registered === 0 ? 1 : r.collected / r.registered;
    console.log(
      `  ${r.scenario.padEnd(17)} ${String(r.pipelines).padStart(9)} ${String(r.pipelines - failed).padStart(11)} ${String(r.fdDelta).padStart(10)}  ${(r.handles.join(', ') || '0').padEnd(20)} ${`${r.collected}/${r.registered} (${(ratio * 100).toFixed(1)} %)`.padStart(19)} ${r.ms.toFixed(0).padStart(10)}`,
    );
    for (const [outcome, n] of r.failures) problems.push(`${r.scenario}: ${n}× ${outcome}`);
    if (r.fdDelta > 0) problems.push(`${r.scenario}: ${r.fdDelta} fds left open after ${r.pipelines} pipelines`);
    if (r.handles.length > 0) problems.push(`${r.scenario}: active handles left: ${r.handles.join(', ')}`);
    if (ratio < COLLECTED_MIN) problems.push(`${r.scenario}: only ${r.collected} of ${r.registered} streams/generators collected (< 99 %)`);
  }
  console.log('');
  console.log(`  at the end: ${endFds} fds and ${endHandles.length === 0 ? 'no handles' : endHandles.join(', ')} above the baseline`);
  if (endFds > 0) problems.push(`end: ${endFds} fds above the baseline`);
  if (endHandles.length > 0) problems.push(`end: handles above the baseline: ${endHandles.join(', ')}`);
  if (problems.length === 0) console.log('  verdict: PASS (fds and handles back to baseline, streams collected)');
  else {
    console.log('  verdict: FAIL');
    for (const p of problems) console.log(`    - ${p}`);
  }
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error('leak: FAIL', err);
  process.exit(1);
});
