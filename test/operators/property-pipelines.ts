/**
 * Generated pipelines for the property tests (properties.test.ts): a pipeline is plain data (a source
 * spec and a list of stage specs, so fast-check prints a counterexample readably); `compile` turns it
 * into fresh genstream stages for one run plus a plain-array model of the same pipeline.
 *
 * Every stage with a callback calls it through a per-run {@link Probe}, which adds the stage's timing
 * (sync, a microtask, one or three macrotasks, or a per-call mix) and injects a fault (a sync throw or
 * a rejection) at its k-th call. The model calls the same pure callbacks, lazily (pulling only what the
 * consumer needs) and eagerly (each stage over its whole input), which bounds how many calls a correct
 * implementation makes: a fault within the lazy count must fail the run, one beyond the eager count
 * cannot.
 */
import { Transform } from 'node:stream';
import { TransformStream } from 'node:stream/web';
import fc from 'fast-check';
import { batch, drop, dropWhile, enumerate, filter, flatMap, fromGen, map, scan, take, takeWhile, tap } from '../../lib/index.js';
import { TestError } from '../helpers.js';

// ---------------------------------------------------------------------------------------------------
// Timing of callbacks and sources.

/** How a callback (or an async source) waits before it answers, per call. */
export type Timing = 'sync' | 'micro' | 'macro' | 'mixedA' | 'mixedB';
type Delay = 'sync' | 'micro' | 'macro' | 'macro3';

const PATTERNS: Readonly<Record<Timing, readonly Delay[]>> = {
  sync: ['sync'],
  micro: ['micro'],
  macro: ['macro'],
  // Mixed: consecutive calls finish out of start order (what concurrency and ordering must cope with).
  mixedA: ['sync', 'macro3', 'micro', 'macro'],
  mixedB: ['macro3', 'sync', 'sync', 'macro', 'micro'],
};

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `undefined` for a sync answer, else a promise that resolves after the delay of call `call` (0-based). */
function delay(timing: Timing, call: number): Promise<void> | undefined {
  const pattern = PATTERNS[timing];
  switch (pattern[call % pattern.length]) {
    case 'sync':
      return undefined;
    case 'micro':
      return Promise.resolve();
    case 'macro':
      return immediate();
    case 'macro3':
      return immediate().then(immediate).then(immediate);
  }
}

// ---------------------------------------------------------------------------------------------------
// Specs.

export type Shape = 'pair' | 'none' | 'pairIfEven';

export type StageSpec =
  | { kind: 'map'; k: number; c: number; timing: Timing }
  | { kind: 'filter'; m: number; r: number; timing: Timing }
  | { kind: 'flatMap'; shape: Shape; timing: Timing }
  | { kind: 'tap'; timing: Timing }
  | { kind: 'take'; n: number }
  | { kind: 'drop'; n: number }
  /** While `x mod m !== r`: a run of about m items, whatever the values' scale. */
  | { kind: 'takeWhile'; m: number; r: number; timing: Timing }
  | { kind: 'dropWhile'; m: number; r: number; timing: Timing }
  | { kind: 'scan'; timing: Timing }
  | { kind: 'enumerate'; timing: Timing }
  | { kind: 'batch'; n: number; timing: Timing }
  | { kind: 'concurrentMap'; k: number; c: number; concurrency: number; ordered: boolean; timing: Timing }
  | { kind: 'concurrentFlatMap'; shape: Shape; concurrency: number; ordered: boolean; timing: Timing }
  /** An `async function*` stage; `flush` yields a count after its loop. */
  | { kind: 'generator'; k: number; c: number; flush: boolean; timing: Timing }
  /** A hand-written objectMode Transform; `flush` pushes a count in `flush()`. */
  | { kind: 'transform'; k: number; c: number; flush: boolean; timing: Timing }
  /** `fromGen(async function* ...)`: a genstream Duplex in the chain. */
  | { kind: 'fromGen'; k: number; c: number; flush: boolean; timing: Timing }
  /** A Web TransformStream. */
  | { kind: 'web'; k: number; c: number; timing: Timing };

export type SourceSpec = { kind: 'sync' } | { kind: 'async'; timing: Timing };

/** Where and how a fault is injected: at the k-th call (1-based) of stage `at`'s callback, or at the source's k-th `next()`. */
export interface FaultSpec {
  at: number | 'source';
  k: number;
  kind: 'throw' | 'reject';
}

/** An early exit: a `take(n)` after the last stage, or the consumer leaving after n items. */
export interface ExitSpec {
  how: 'take' | 'break';
  n: number;
}

export interface PipelineCase {
  xs: number[];
  source: SourceSpec;
  stages: StageSpec[];
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries.

const int = (min: number, max: number) => fc.integer({ min, max });
const timing: fc.Arbitrary<Timing> = fc.constantFrom('sync', 'micro', 'macro', 'mixedA', 'mixedB');
const shape: fc.Arbitrary<Shape> = fc.oneof(
  { arbitrary: fc.constant('pair' as const), weight: 4 },
  { arbitrary: fc.constant('pairIfEven' as const), weight: 3 },
  { arbitrary: fc.constant('none' as const), weight: 1 },
);
const affine = { k: int(-3, 3), c: int(-10, 10) };

const fusableStage: fc.Arbitrary<StageSpec> = fc.oneof(
  fc.record({ kind: fc.constant('map' as const), ...affine, timing }),
  int(1, 4).chain((m) => fc.record({ kind: fc.constant('filter' as const), m: fc.constant(m), r: int(0, m - 1), timing })),
  fc.record({ kind: fc.constant('flatMap' as const), shape, timing }),
  fc.record({ kind: fc.constant('tap' as const), timing }),
  fc.record({ kind: fc.constant('take' as const), n: int(0, 10) }),
  fc.record({ kind: fc.constant('drop' as const), n: int(0, 10) }),
  int(2, 8).chain((m) => fc.record({ kind: fc.constantFrom('takeWhile' as const, 'dropWhile' as const), m: fc.constant(m), r: int(0, m - 1), timing })),
  fc.record({ kind: fc.constant('scan' as const), timing }),
  fc.record({ kind: fc.constant('enumerate' as const), timing }),
  fc.record({ kind: fc.constant('batch' as const), n: int(1, 4), timing }),
);

const concurrentStage = (ordered: fc.Arbitrary<boolean>): fc.Arbitrary<StageSpec> =>
  fc.oneof(
    fc.record({ kind: fc.constant('concurrentMap' as const), ...affine, concurrency: int(2, 4), ordered, timing }),
    fc.record({ kind: fc.constant('concurrentFlatMap' as const), shape, concurrency: int(2, 4), ordered, timing }),
  );

const streamStage: fc.Arbitrary<StageSpec> = fc.oneof(
  fc.record({ kind: fc.constantFrom('generator' as const, 'transform' as const, 'fromGen' as const), ...affine, flush: fc.boolean(), timing }),
  fc.record({ kind: fc.constant('web' as const), ...affine, timing }),
);

/** Any stage whose output order is the model's (concurrent stages keep order here). */
const orderedStage: fc.Arbitrary<StageSpec> = fc.oneof(
  { arbitrary: fusableStage, weight: 4 },
  { arbitrary: concurrentStage(fc.constant(true)), weight: 1 },
  { arbitrary: streamStage, weight: 2 },
);

/** Stages whose output, as a multiset, does not depend on their input's order (may follow an unordered stage). */
const elementwiseStage: fc.Arbitrary<StageSpec> = fc.oneof(
  fc.record({ kind: fc.constant('map' as const), ...affine, timing }),
  int(1, 4).chain((m) => fc.record({ kind: fc.constant('filter' as const), m: fc.constant(m), r: int(0, m - 1), timing })),
  fc.record({ kind: fc.constant('flatMap' as const), shape, timing }),
  fc.record({ kind: fc.constant('tap' as const), timing }),
  concurrentStage(fc.boolean()),
  streamStage,
);

/** 1 to 7 stages: ordered ones, optionally followed by an unordered concurrent stage and elementwise ones. */
export const stagesArb: fc.Arbitrary<StageSpec[]> = fc
  .tuple(
    fc.array(orderedStage, { maxLength: 5 }),
    // About one pipeline in three ends with an unordered part.
    fc.oneof(
      { arbitrary: fc.constant(null), weight: 2 },
      { arbitrary: fc.tuple(concurrentStage(fc.constant(false)), fc.array(elementwiseStage, { maxLength: 2 })), weight: 1 },
    ),
  )
  .map(([head, tail]) => (tail === null ? head : [...head, tail[0], ...tail[1]]))
  .filter((stages) => stages.length > 0);

export const sourceArb: fc.Arbitrary<SourceSpec> = fc.oneof(fc.constant({ kind: 'sync' as const }), fc.record({ kind: fc.constant('async' as const), timing }));

export const inputArb = fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 40, size: 'medium' });

export const caseArb: fc.Arbitrary<PipelineCase> = fc.record({ xs: inputArb, source: sourceArb, stages: stagesArb });

/**
 * A fault, independent of the pipeline (so a counterexample's stages shrink freely): `at` is resolved
 * against the stages by {@link resolveFault}.
 */
export const faultArb: fc.Arbitrary<FaultSpec> = fc.record({
  at: fc.oneof(fc.constant('source' as const), fc.nat({ max: 7 })),
  k: fc.oneof(int(1, 4), int(1, 12), int(1, 42)), // mostly early calls, which most pipelines reach
  kind: fc.constantFrom('throw' as const, 'reject' as const),
});

/** The fault's stage as an index into `c.stages` (modulo their count); the source if that stage has no callback. */
export function resolveFault(c: PipelineCase, fault: FaultSpec): FaultSpec {
  if (fault.at === 'source' || c.stages.length === 0) return { ...fault, at: 'source' };
  const at = fault.at % c.stages.length;
  return { ...fault, at: hasCallback(c.stages[at]) ? at : 'source' };
}

export const exitArb = (minN = 0): fc.Arbitrary<ExitSpec> =>
  fc.oneof(fc.record({ how: fc.constant('take' as const), n: int(0, 8) }), fc.record({ how: fc.constant('break' as const), n: int(Math.max(1, minN), 8) }));

export function hasCallback(s: StageSpec): boolean {
  return s.kind !== 'take' && s.kind !== 'drop';
}

/** Whether the stage's output order is not determined (results as they finish). */
export function isUnordered(s: StageSpec): boolean {
  return (s.kind === 'concurrentMap' || s.kind === 'concurrentFlatMap') && !s.ordered;
}

// ---------------------------------------------------------------------------------------------------
// The pure callbacks and the model.

type Cb = (...args: any[]) => any;

const mod = (x: number, m: number): number => ((x % m) + m) % m;

/** The value a flushing stage emits after its input ended (its input count, marked). */
const flushed = (count: number): number => -100_000 - count;

function shapeFn(s: Shape): (x: number) => number[] {
  return s === 'pair' ? (x) => [x, x + 1] : s === 'none' ? () => [] : (x) => (mod(x, 2) === 0 ? [x, x + 1] : []);
}

/** The stage's pure callback (what its genstream stage and its model both call), or null. */
function callbackOf(s: StageSpec): Cb | null {
  switch (s.kind) {
    case 'map':
    case 'concurrentMap':
    case 'generator':
    case 'transform':
    case 'fromGen':
    case 'web':
      return (x: number) => x * s.k + s.c;
    case 'filter':
      return (x: number) => mod(x, s.m) === s.r;
    case 'flatMap':
    case 'concurrentFlatMap':
      return shapeFn(s.shape);
    case 'tap':
      return () => undefined;
    case 'takeWhile':
    case 'dropWhile':
      return (x: number) => mod(x, s.m) !== s.r;
    case 'scan':
      return (acc: number, x: number) => acc + x;
    case 'enumerate':
      return ([i, x]: [number, number]) => x + 100 * i;
    case 'batch':
      return (b: number[]) => [...b, 1000 * b.length];
    case 'take':
    case 'drop':
      return null;
  }
}

/** The stage as a sync generator over arrays: minimal pulls (a take returns right after its n-th item). */
function* modelStage(s: StageSpec, src: Iterable<number>, f: Cb): Generator<number, void, undefined> {
  switch (s.kind) {
    case 'map':
    case 'concurrentMap':
    case 'web':
      for (const x of src) yield f(x);
      return;
    case 'generator':
    case 'transform':
    case 'fromGen': {
      let count = 0;
      for (const x of src) {
        count++;
        yield f(x);
      }
      if (s.flush) yield flushed(count);
      return;
    }
    case 'filter':
      for (const x of src) if (f(x)) yield x;
      return;
    case 'flatMap':
    case 'concurrentFlatMap':
      for (const x of src) yield* f(x) as number[];
      return;
    case 'tap':
      for (const x of src) {
        f(x);
        yield x;
      }
      return;
    case 'take': {
      if (s.n <= 0) return;
      let i = 0;
      for (const x of src) {
        yield x;
        if (++i >= s.n) return;
      }
      return;
    }
    case 'drop': {
      let i = 0;
      for (const x of src) if (i++ >= s.n) yield x;
      return;
    }
    case 'takeWhile':
      for (const x of src) {
        if (!f(x)) return;
        yield x;
      }
      return;
    case 'dropWhile': {
      let dropping = true;
      for (const x of src) {
        if (dropping && f(x)) continue;
        dropping = false;
        yield x;
      }
      return;
    }
    case 'scan': {
      let acc = 0;
      for (const x of src) yield (acc = f(acc, x));
      return;
    }
    case 'enumerate': {
      let i = 0;
      for (const x of src) yield f([i++, x]);
      return;
    }
    case 'batch': {
      let b: number[] = [];
      for (const x of src) {
        b.push(x);
        if (b.length === s.n) {
          yield* f(b) as number[];
          b = [];
        }
      }
      if (b.length > 0) yield* f(b) as number[];
      return;
    }
  }
}

/** What the model says about a pipeline: its output and the call counts that bound a fault. */
export interface ModelResult {
  /** The output of the whole pipeline (before any early exit). */
  output: number[];
  /** Calls of each stage's callback when each stage runs over its whole input (an upper bound). */
  eager: number[];
  /** The source's `next()` calls in that case. */
  eagerSource: number;
  /** Calls of each stage's callback when the consumer pulls only what it needs (a lower bound). */
  lazy: number[];
  lazySource: number;
}

/** Runs the model; `exitN` is how many output items the consumer wants (all when undefined). */
export function model(c: PipelineCase, exitN?: number): ModelResult {
  const fs = c.stages.map(callbackOf);
  const counting = (calls: number[], i: number): Cb => {
    const f = fs[i];
    return (...args) => {
      calls[i]++;
      return f!(...args);
    };
  };

  const eager = c.stages.map(() => 0);
  let arr = c.xs;
  c.stages.forEach((s, i) => {
    arr = Array.from(modelStage(s, arr, counting(eager, i)));
  });

  const lazy = c.stages.map(() => 0);
  const pulls = { n: 0 };
  function* source(): Generator<number, void, undefined> {
    for (const x of c.xs) {
      pulls.n++;
      yield x;
    }
    pulls.n++;
  }
  let it: Iterable<number> = source();
  c.stages.forEach((s, i) => {
    it = modelStage(s, it, counting(lazy, i));
  });
  const iter = it[Symbol.iterator]();
  for (let got = 0; exitN === undefined || got < exitN; got++) if (iter.next().done) break;
  iter.return?.();

  return { output: arr, eager, eagerSource: c.xs.length + 1, lazy, lazySource: pulls.n };
}

// ---------------------------------------------------------------------------------------------------
// The real stages, made fresh for each run.

/** Counts one generator's start and its `finally`. */
export interface Tracker {
  label: string;
  started: number;
  finallies: number;
}

/** Per-run instrumentation: callback call counts, the injected fault and generator trackers. */
export class Probe {
  readonly calls: number[];
  readonly trackers: Tracker[] = [];
  /** The injected error (a fresh object per run), when a fault was asked for. */
  readonly error: TestError | undefined;

  constructor(
    stageCount: number,
    readonly fault?: FaultSpec,
  ) {
    this.calls = new Array<number>(stageCount).fill(0);
    this.error = fault && new TestError(`injected fault: ${fault.kind} at ${fault.at === 'source' ? 'the source' : `stage ${fault.at}`}, call ${fault.k}`);
  }

  track(label: string): Tracker {
    const t = { label, started: 0, finallies: 0 };
    this.trackers.push(t);
    return t;
  }

  /** The fault to raise now, if the `call`-th (1-based) call at `at` is the faulty one. */
  faultAt(at: number | 'source', call: number): FaultSpec | undefined {
    const f = this.fault;
    return f !== undefined && f.at === at && f.k === call ? f : undefined;
  }

  /** `f` as stage `stage` calls it: counted, delayed per `timing`, and failing at the fault. */
  hook(stage: number, f: Cb, timing: Timing): Cb {
    return (...args) => {
      const call = ++this.calls[stage];
      const wait = delay(timing, call - 1);
      const fault = this.faultAt(stage, call);
      if (fault !== undefined) {
        if (fault.kind === 'throw') throw this.error;
        const err = this.error;
        return (wait ?? Promise.resolve()).then(() => Promise.reject(err));
      }
      return wait === undefined ? f(...args) : wait.then(() => f(...args));
    };
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => v != null && typeof (v as PromiseLike<unknown>).then === 'function';

/** A source of `xs` (a generator, tracked), failing at its fault. */
export function makeSource(c: PipelineCase, probe: Probe): () => Iterable<number> | AsyncIterable<number> {
  const { xs } = c;
  const spec = c.source;
  if (spec.kind === 'sync') {
    return function* source() {
      const t = probe.track('source');
      t.started++;
      try {
        for (let i = 0; i <= xs.length; i++) {
          if (probe.faultAt('source', i + 1) !== undefined) throw probe.error;
          if (i === xs.length) return;
          yield xs[i];
        }
      } finally {
        t.finallies++;
      }
    };
  }
  return async function* source() {
    const t = probe.track('source');
    t.started++;
    try {
      for (let i = 0; i <= xs.length; i++) {
        const fault = probe.faultAt('source', i + 1);
        const wait = delay(spec.timing, i);
        if (fault?.kind === 'throw') throw probe.error;
        if (wait !== undefined) await wait;
        if (fault !== undefined) throw probe.error;
        if (i === xs.length) return;
        yield xs[i];
      }
    } finally {
      t.finallies++;
    }
  };
}

/** The genstream stages of spec `s` (index `i`) for one run. */
function realStages(s: StageSpec, i: number, probe: Probe): unknown[] {
  const f = callbackOf(s);
  const h = f === null ? (null as never) : probe.hook(i, f, (s as { timing: Timing }).timing);
  switch (s.kind) {
    case 'map':
      return [map(h)];
    case 'filter':
      return [filter(h)];
    case 'flatMap':
      return [flatMap(h)];
    case 'tap':
      return [tap(h)];
    case 'take':
      return [take(s.n)];
    case 'drop':
      return [drop(s.n)];
    case 'takeWhile':
      return [takeWhile(h)];
    case 'dropWhile':
      return [dropWhile(h)];
    case 'scan':
      return [scan(h, 0)];
    case 'enumerate':
      return [enumerate(), map(h)];
    case 'batch':
      return [batch(s.n), flatMap(h)];
    case 'concurrentMap':
      return [map(h, { concurrency: s.concurrency, ordered: s.ordered })];
    case 'concurrentFlatMap':
      return [flatMap(h, { concurrency: s.concurrency, ordered: s.ordered })];
    case 'generator':
      return [generatorStage(s.flush, h, probe.track(`stage ${i} (generator)`))];
    case 'fromGen':
      return [fromGen(generatorStage(s.flush, h, probe.track(`stage ${i} (fromGen generator)`)))];
    case 'transform':
      return [transformStage(s.flush, h)];
    case 'web':
      return [webStage(h)];
  }
}

function generatorStage(flush: boolean, h: Cb, t: Tracker) {
  return async function* step(source: AsyncIterable<number>): AsyncGenerator<number, void, undefined> {
    t.started++;
    try {
      let count = 0;
      for await (const x of source) {
        count++;
        const out = h(x);
        yield isThenable(out) ? await out : out;
      }
      if (flush) yield flushed(count);
    } finally {
      t.finallies++;
    }
  };
}

function transformStage(flush: boolean, h: Cb): Transform {
  let count = 0;
  return new Transform({
    objectMode: true,
    transform(chunk: number, _encoding, cb) {
      count++;
      let out: unknown;
      try {
        out = h(chunk);
      } catch (err) {
        return cb(err as Error);
      }
      if (isThenable(out)) out.then((v) => cb(null, v), (err: Error) => cb(err));
      else cb(null, out);
    },
    flush(cb) {
      if (flush) this.push(flushed(count));
      cb();
    },
  });
}

function webStage(h: Cb): TransformStream<number, number> {
  return new TransformStream<number, number>({
    transform(chunk, controller) {
      const out = h(chunk);
      if (isThenable(out)) return Promise.resolve(out).then((v) => controller.enqueue(v as number));
      controller.enqueue(out);
    },
  });
}

/** Fresh genstream stages for one run of `c`, instrumented by `probe`. */
export function compile(c: PipelineCase, probe: Probe): unknown[] {
  return c.stages.flatMap((s, i) => realStages(s, i, probe));
}
