/**
 * Property tests: random pipelines — fusable operators, concurrent map/flatMap (ordered and not),
 * `async function*` stages, a hand-written Transform, `fromGen` Duplexes and Web TransformStreams, with
 * callbacks that answer sync, after a microtask, after macrotasks, or a per-call mix — are compared
 * with a plain-array model (property-pipelines.ts) through every composer: `pipe()` + `for await`,
 * `run()` with a sink function, and `stream.pipeline(toReadable(src), chain(...), toWritable(sink))`
 * (plus, when every stage is a function, one `fromGen` per stage and plain nesting `op(op(src))`).
 * Faults (a sync throw or a rejection at the k-th call of a stage, or at the source) and early exits (a
 * final `take(n)`, or the consumer leaving after n items) are injected; every generator's `finally`
 * is counted.
 *
 * Reproducible: the seed comes from `GENSTREAM_SEED` (a number, or `random`; default fixed) and is
 * printed once; `GENSTREAM_RUNS=<n>` sets the number of runs of every random property.
 */
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chain, filter, flatMap, fromGen, pipe, run, take, toReadable, toWritable } from '../../lib/index.js';
import { tick, ticks, toArray, watchUnhandled } from '../helpers.js';
import { guard } from './harness.js';
import {
  caseArb,
  compile,
  exitArb,
  faultArb,
  isUnordered,
  makeSource,
  model,
  Probe,
  resolveFault,
  type ExitSpec,
  type FaultSpec,
  type PipelineCase,
  type StageSpec,
} from './property-pipelines.js';

watchUnhandled();

// ---------------------------------------------------------------------------------------------------
// Seed and runs.

function envInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

const SEED_ENV = process.env.GENSTREAM_SEED;
const SEED = SEED_ENV === 'random' ? Math.floor(Math.random() * 2 ** 31) : (envInt('GENSTREAM_SEED', SEED_ENV) ?? 20261125);
const RUNS = envInt('GENSTREAM_RUNS', process.env.GENSTREAM_RUNS);
console.log(`properties.test.ts: GENSTREAM_SEED=${SEED}${RUNS === undefined ? '' : ` GENSTREAM_RUNS=${RUNS}`} (set them to replay this run)`);

const params = (defaultRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: RUNS ?? defaultRuns });

// ---------------------------------------------------------------------------------------------------
// Composers.

const COMPOSERS = ['pipe', 'run', 'pipeline'] as const;
/** Only for pipelines of function stages (no Transform or Web stream instance). */
const FUNCTION_COMPOSERS = ['pipeline with fromGen per stage', 'nesting'] as const;
type Composer = (typeof COMPOSERS)[number] | (typeof FUNCTION_COMPOSERS)[number];

type Streams = (...streams: unknown[]) => Promise<void>;
type PipeAny = (source: unknown, ...stages: unknown[]) => AsyncGenerator<unknown, void, undefined>;
type RunAny = (source: unknown, ...rest: unknown[]) => Promise<unknown>;
type ChainAny = (...stages: unknown[]) => NodeJS.ReadWriteStream;
type StageFn = (source: AsyncIterable<unknown>) => AsyncIterable<unknown>;

interface Outcome {
  out: unknown[];
  threw: boolean;
  error: unknown;
}

/** Runs one fresh instance of `c` through `composer`, with `probe`'s fault and the early exit. */
async function runOnce(composer: Composer, c: PipelineCase, probe: Probe, exit: ExitSpec | undefined): Promise<Outcome> {
  const source = makeSource(c, probe);
  const stages = compile(c, probe);
  if (exit?.how === 'take') stages.push(take(exit.n));
  const limit = exit?.how === 'break' ? exit.n : Infinity;
  const out: unknown[] = [];
  const consume = async (src: AsyncIterable<unknown>): Promise<void> => {
    if (limit <= 0) return; // leaves before its first read
    for await (const x of src) {
      out.push(x);
      if (out.length >= limit) break;
    }
  };
  try {
    switch (composer) {
      case 'pipe': {
        const it = (pipe as PipeAny)(source(), ...stages);
        if (limit <= 0) await it.return(undefined);
        else await consume(it);
        break;
      }
      case 'run':
        await (run as RunAny)(source(), ...stages, consume);
        break;
      case 'pipeline':
        await (pipeline as Streams)(toReadable(source), (chain as ChainAny)(...stages), toWritable(consume));
        break;
      case 'pipeline with fromGen per stage':
        await (pipeline as Streams)(toReadable(source), ...stages.map((s) => fromGen(s as StageFn)), toWritable(consume));
        break;
      case 'nesting': {
        let src = source() as AsyncIterable<unknown>;
        for (const s of stages) src = (s as StageFn)(src);
        await consume(src);
        break;
      }
    }
  } catch (error) {
    return { out, threw: true, error };
  }
  return { out, threw: false, error: undefined };
}

/** Stages that `fromGen(stage)` and `stage(source)` accept: operators and generator functions. */
const isFunctionStage = (s: StageSpec): boolean => s.kind !== 'transform' && s.kind !== 'web' && s.kind !== 'fromGen';

// ---------------------------------------------------------------------------------------------------
// Checks against the model.

const sorted = (xs: readonly unknown[]): number[] => (xs as number[]).slice().sort((a, b) => a - b);

/** Whether `part` is a sub-multiset of `whole`. */
function isSubMultiset(part: readonly unknown[], whole: readonly unknown[]): boolean {
  const counts = new Map<unknown, number>();
  for (const x of whole) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const x of part) {
    const n = counts.get(x) ?? 0;
    if (n === 0) return false;
    counts.set(x, n - 1);
  }
  return true;
}

/** Waits (a hang guard of 0.5 s at most) until every generator that started has run its `finally`. */
async function settledGenerators(probe: Probe): Promise<void> {
  const deadline = Date.now() + 500;
  while (probe.trackers.some((t) => t.finallies < t.started) && Date.now() < deadline) await tick();
}

/**
 * Runs `c` (with an optional fault and early exit) through each composer and checks it against the
 * model: the output (in order, or as a multiset after an unordered stage), the error (the injected
 * object, exactly when the model says the faulty call can or must happen), no unhandled rejection or
 * uncaught exception, and that every generator that started ran its `finally` exactly once (soon after
 * the run settled; with `atSettle`, pipe() and run() must have run them before they settle).
 */
async function check(
  c: PipelineCase,
  fault: FaultSpec | undefined,
  exit: ExitSpec | undefined,
  { composers = COMPOSERS, atSettle = false }: { composers?: readonly Composer[]; atSettle?: boolean } = {},
): Promise<void> {
  fault = fault && resolveFault(c, fault);
  const m = model(c, exit?.n);
  const expected = exit === undefined ? m.output : m.output.slice(0, exit.n);
  const unordered = c.stages.some(isUnordered);
  let mustFail = false;
  let mayFail = false;
  if (fault !== undefined) {
    const lazy = fault.at === 'source' ? m.lazySource : m.lazy[fault.at];
    const eager = fault.at === 'source' ? m.eagerSource : m.eager[fault.at];
    // After an unordered stage, which items an early exit needs depends on the finishing order.
    mustFail = lazy >= fault.k && !(unordered && exit !== undefined);
    mayFail = eager >= fault.k;
  }
  const all: Composer[] = [...composers];
  if (composers === COMPOSERS && c.stages.every(isFunctionStage)) all.push(...FUNCTION_COMPOSERS);

  for (const composer of all) {
    const probe = new Probe(c.stages.length, fault);
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    let r: Outcome;
    let finalliesAtSettle: number[];
    try {
      r = await guard(runOnce(composer, c, probe, exit), 3000, `settled run (${composer})`);
      finalliesAtSettle = probe.trackers.map((t) => t.finallies);
      await ticks(3); // unhandled rejections are reported once the microtask queue has drained
    } finally {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    }
    const where = `${composer}${fault ? ` (fault: ${fault.kind} at ${fault.at === 'source' ? 'the source' : `stage ${fault.at}`}, call ${fault.k})` : ''}: `;
    expect(unhandled, `${where}no unhandled rejection or uncaught exception`).toEqual([]);
    if (r.threw) {
      // Only the injected error, and only if its call can happen; the same object, not a wrapper.
      if (r.error !== probe.error || !mayFail) {
        throw new Error(`${where}rejected with an unexpected error (expected ${mayFail ? 'the injected one' : 'none'}): ${String(r.error)}`, {
          cause: r.error,
        });
      }
      // What arrived before the error is a prefix of the model's output (a sub-multiset if unordered).
      if (unordered) expect(isSubMultiset(r.out, m.output), `${where}items before the error are from the model's output`).toBe(true);
      else expect(r.out, `${where}items before the error are a prefix of the model's output`).toEqual(expected.slice(0, r.out.length));
      expect(r.out.length, `${where}items before the error`).toBeLessThanOrEqual(expected.length);
    } else {
      expect(mustFail, `${where}resolved, though the model makes the faulty call`).toBe(false);
      if (!unordered) expect(r.out, `${where}output`).toEqual(expected);
      else if (exit === undefined) expect(sorted(r.out), `${where}output (as a multiset)`).toEqual(sorted(expected));
      else {
        expect(r.out, `${where}output length`).toHaveLength(expected.length);
        expect(isSubMultiset(r.out, m.output), `${where}output is from the model's output`).toBe(true);
      }
    }
    // stream.pipeline may settle before a generator suspended at an `await` has finished (Node's own
    // Readable.from does the same): `finally` must run soon after. pipe() and run() promise to settle
    // after it; that is checked on its own (`atSettle`), so a known lag there does not hide other bugs.
    const strict = atSettle && !composer.startsWith('pipeline');
    if (!strict) await settledGenerators(probe);
    probe.trackers.forEach((t, i) => {
      expect(t.started, `${where}${t.label} started at most once`).toBeLessThanOrEqual(1);
      const finallies = strict ? finalliesAtSettle[i] : t.finallies;
      expect(finallies, `${where}${t.label} finally ran once if it started${strict ? ', before the run settled' : ''}`).toBe(t.started);
    });
  }
}

// ---------------------------------------------------------------------------------------------------

describe('pipelines match a plain-array model', () => {
  it('gives the model output through every composer, for any mix of stage kinds and timings', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, (c) => check(c, undefined, undefined)),
      params(120),
    );
  });

  it('rejects with the injected error object, after a prefix of the output, and runs every finally once', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, faultArb, fc.option(exitArb(1), { freq: 2 }), (c, fault, exit) => check(c, fault, exit ?? undefined)),
      params(150),
    );
  });

  it('gives exactly the first n items on an early exit (take(n) or the consumer leaving), and runs every finally once', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, exitArb(0), (c, exit) => check(c, undefined, exit)),
      params(100),
    );
  });

  // Every source, generator stage and Transform is returned before pipe()/run() settle. Excluded: a
  // fromGen Duplex used as a stage runs user code of its own and is ended by destroy(), which never
  // waits on user code (README "Guarantees"); its generator's finally runs right after. Found as:
  //   run(asyncSource, flatMap(pairs, { concurrency: 2 }) throwing at call 2, fromGen(g), sink) — g's finally late.
  it('pipe() and run() settle only after every finally has run (errors and early exits)', async () => {
    const noFromGen = caseArb.filter((c) => !c.stages.some((stage) => stage.kind === 'fromGen'));
    await fc.assert(
      fc.asyncProperty(noFromGen, fc.option(faultArb), fc.option(exitArb(1)), (c, fault, exit) =>
        check(c, fault ?? undefined, exit ?? undefined, { composers: ['pipe', 'run'], atSettle: true }),
      ),
      params(150),
    );
  });

  it('a few hand-picked sequences that cross take/batch/flatMap boundaries', async () => {
    const cases: [number[], StageSpec[]][] = [
      [[5, 9], [{ kind: 'take', n: 1 }, { kind: 'flatMap', shape: 'pair', timing: 'sync' }]],
      [[1, 2, 3, 4, 5], [{ kind: 'take', n: 3 }, { kind: 'batch', n: 2, timing: 'sync' }]],
      [[1, 2, 3], [{ kind: 'take', n: 2 }, { kind: 'takeWhile', m: 100, r: 99, timing: 'sync' }]],
      [[1, 2, 3], [{ kind: 'flatMap', shape: 'pair', timing: 'sync' }, { kind: 'take', n: 3 }, { kind: 'scan', timing: 'sync' }]],
      [[], [{ kind: 'take', n: 0 }, { kind: 'batch', n: 1, timing: 'sync' }]],
      [[1, 2], [{ kind: 'take', n: 0 }]],
      [[1, 2, 3, 4], [{ kind: 'concurrentMap', k: 1, c: 0, concurrency: 3, ordered: true, timing: 'mixedB' }, { kind: 'take', n: 2 }]],
      [[1, 2, 3], [{ kind: 'transform', k: 2, c: 0, flush: true, timing: 'macro' }, { kind: 'web', k: 1, c: 1, timing: 'micro' }]],
    ];
    for (const [xs, stages] of cases) {
      for (const timing of ['sync', 'mixedA'] as const) {
        const retimed = stages.map((s) => ('timing' in s ? { ...s, timing: s.timing === 'sync' ? timing : s.timing } : s));
        await check({ xs, source: { kind: 'async', timing }, stages: retimed }, undefined, undefined);
      }
    }
  });

  // Regression (found by an earlier property, unseeded): when a write leaves the readable buffer at its
  // high-water mark, `_read` releases the held write callback; a following `_writev` that pushes nothing
  // must not hold the callback again — Node calls `_read` again only after a push, so the chain hung.
  it('does not hang when a write batch that pushes nothing follows a full readable buffer', async () => {
    const out: number[] = [];
    const stages = (chain as ChainAny)(filter((x: number) => x >= 0), flatMap((x: number) => [x, x, x, x]));
    await guard(
      (pipeline as Streams)(toReadable([0, 1, 2, 3, -1, -1]), stages, toWritable(async (src: AsyncIterable<number>) => void out.push(...(await toArray(src))))),
      1000,
      'end of the chain',
    );
    expect(out).toHaveLength(16);
  });
});

/**
 * Minimal counterexamples the properties found, replayed deterministically (the random properties hit
 * them only for some seeds).
 */
describe('counterexamples found by the properties', () => {
  // Found with GENSTREAM_SEED=397905765 GENSTREAM_RUNS=1500 (shrunk by hand), during the work on issue
  // 13: the stage's error was emitted as an 'error' event nobody listened to any more (a crash).
  //   for await (const x of pipe([0, 1], fromGen(async function* (s) { let i = 0; for await (const x of s) { if (++i === 2) throw err; yield x; } }))) break;
  it('a fromGen stage that fails after the consumer left raises no uncaught error', async () => {
    const c: PipelineCase = { xs: [0, 1], source: { kind: 'sync' }, stages: [{ kind: 'fromGen', k: 1, c: 0, flush: false, timing: 'sync' }] };
    await check(c, { at: 0, k: 2, kind: 'throw' }, { how: 'break', n: 1 }, { composers: ['pipe', 'run'] });
  });

  // Was: transformStreamGen's feed called writer.close() on the errored writable, which rejected with
  // ERR_INVALID_STATE, reported as if the source had failed:
  //   await toArray(pipe([1], new TransformStream({ transform() { throw err; } })));
  it('a TransformStream that throws on the last item of its input rejects with that error', async () => {
    const c: PipelineCase = { xs: [1], source: { kind: 'sync' }, stages: [{ kind: 'web', k: 1, c: 0, timing: 'sync' }] };
    await check(c, { at: 0, k: 1, kind: 'throw' }, undefined, { composers: ['pipe'] });
  });

  // Was: behind a stream stage, the source's return() was not awaited (see the property above):
  // `for await (const x of pipe(slowSource(), new PassThrough({ objectMode: true }))) break;`
  it('pipe() and run() return only after a source that waits between items has run its finally', async () => {
    const c: PipelineCase = { xs: [1, 2, 3, 4], source: { kind: 'async', timing: 'macro' }, stages: [{ kind: 'transform', k: 1, c: 0, flush: false, timing: 'sync' }] };
    await check(c, undefined, { how: 'break', n: 1 }, { composers: ['pipe', 'run'], atSettle: true });
  });
});
