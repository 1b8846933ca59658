/**
 * The thirteen topologies of the fault matrix, what each one puts at each position, and which cells are
 * excluded (with the reason). A builder sets its topology up and starts it synchronously; the driver
 * then fires `before-first` faults and waits for the lanes.
 *
 * What stands at each position (the "faulty element" for a cell's kind):
 *
 * | topology | source | middle | sink |
 * |---|---|---|---|
 * | pipeline | `toReadable(gen)` | `fromGen(gen)` | `toWritable(sinkFn)` |
 * | chain-foreign | `FakeSource` (foreign Readable); `Readable.from(asyncGen)` for `reject` | `chain(map, gen, FakeTransform)`: internal kinds in `gen`, stream kinds on the Transform | `FakeSink` (foreign Writable); `toWritable(sinkFn)` for `return` |
 * | run / pipe | generator (`throw`: sync generator), `FakeSource` (stream kinds, and the healthy source), `toReadable(gen, { signal })` (abort) | stages `map, gen, FakeTransform` as above | sink function / `for await` |
 * | fromWritable | generator / `FakeSource` / `toReadable(gen, { signal })` | `gen(source)` by hand | `FakeSink`, `fromWritable`'s `signal` |
 * | toGen | as run | the `FakeTransform` instance | `for await` |
 * | map-concurrent | as run | the `fn` of `map(fn, { concurrency: 4, maxBuffered: 8 })` | `for await` |
 * | merge / zip | source `a` as run (`b` a healthy counted generator) | `gen(merge(a, b))` | `for await` |
 * | tee | as run | `pipe(branch0, gen)` | the `for await` of branch 0 (branch 1 is read fully, concurrently) |
 * | chain-readable | as run | `chain(source, map, gen, FakeTransform)`, stages as run | `for await` over that Readable; stream kinds on the Readable itself (abort: chain's `signal` option) |
 * | chain-writable | as chain-foreign | `chain(map, gen, FakeTransform, sink)`, stages as run | the chain's sink: `FakeSink`; an `async` sink function for `return` |
 * | chain-run | as run; the generator sources given as zero-parameter generator functions | `chain(source, map, gen, FakeTransform, sink)`, stages as run | an `async` sink function; stream kinds on the run stream itself (abort: chain's `signal` option), with a `FakeSink` as the chain's sink |
 *
 * A `take` cell puts `take(n)` directly downstream of the position (n: 0 before-first, K mid-stream
 * and backpressure, N at flush).
 */
import type { Duplex, Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { Readable as NodeReadable } from 'node:stream';
import { chain, fromGen, fromWritable, map, merge, pipe, run, take, tee, toGen, toReadable, toWritable, zip } from '../../lib/index.js';
import { ticks } from '../helpers.js';
import { Cell, N, rejectSoon, takeCount, isInternal, isExternal, type Kind, type Position, type Timing, type Topology } from './cell.js';
import { asyncSource, consume, FakeSink, FakeSource, FakeTransform, itemsOf, middleStage, sinkFunction, syncSource, type Lane } from './parts.js';

/** One consumer's run: what it received and how it settled. */
export interface LaneRun {
  lane: Lane;
  promise: Promise<unknown>;
}

export interface Built {
  lanes: LaneRun[];
}

/** How the expected output is shaped: one sequence, two merged sequences, tuples, two tee branches. */
export type Shape = 'linear' | 'merge' | 'zip' | 'tee';

export const SHAPES: Readonly<Record<Topology, Shape>> = {
  pipeline: 'linear',
  'chain-foreign': 'linear',
  run: 'linear',
  pipe: 'linear',
  fromWritable: 'linear',
  toGen: 'linear',
  'map-concurrent': 'linear',
  merge: 'merge',
  zip: 'zip',
  tee: 'tee',
  'chain-readable': 'linear',
  'chain-writable': 'linear',
  'chain-run': 'linear',
};

const STREAM_KINDS: readonly Kind[] = ['error-event', 'destroy-err', 'destroy', 'abort'];
const INTERNAL_KINDS: readonly Kind[] = ['throw', 'reject', 'return'];
const ALL_BUT_RETURN: readonly Kind[] = ['throw', 'reject', ...STREAM_KINDS, 'take'];

/** The kinds each topology can inject at each position (`notAvailable` says why not the others). */
const KINDS_AT: Readonly<Record<Topology, Readonly<Record<Position, readonly Kind[]>>>> = {
  pipeline: {
    source: ['throw', 'reject', 'destroy-err', 'destroy', 'abort', 'take'],
    middle: ['throw', 'reject', 'return', 'destroy-err', 'destroy', 'abort', 'take'],
    sink: ['throw', 'reject', 'return', 'destroy-err', 'destroy', 'abort'],
  },
  'chain-foreign': {
    source: ALL_BUT_RETURN,
    middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'],
    sink: ['throw', 'reject', 'return', ...STREAM_KINDS],
  },
  run: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'], sink: INTERNAL_KINDS },
  pipe: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'], sink: INTERNAL_KINDS },
  fromWritable: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, 'take'], sink: ['throw', 'reject', ...STREAM_KINDS] },
  toGen: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'], sink: INTERNAL_KINDS },
  'map-concurrent': { source: ALL_BUT_RETURN, middle: ['throw', 'reject', 'take'], sink: INTERNAL_KINDS },
  merge: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, 'take'], sink: INTERNAL_KINDS },
  zip: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, 'take'], sink: INTERNAL_KINDS },
  tee: { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, 'take'], sink: INTERNAL_KINDS },
  'chain-readable': { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'], sink: [...INTERNAL_KINDS, 'destroy-err', 'destroy', 'abort'] },
  'chain-writable': { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'], sink: ['throw', 'reject', 'return', ...STREAM_KINDS] },
  'chain-run': { source: ALL_BUT_RETURN, middle: [...INTERNAL_KINDS, ...STREAM_KINDS, 'take'], sink: [...INTERNAL_KINDS, 'destroy-err', 'destroy', 'abort'] },
};

/**
 * Topologies whose source and stages start only at the consumer's first read (chain-run: the run
 * starts at once, but its sink pulls). Nobody listens to a foreign stream before then, except in
 * {@link ADOPTING} topologies.
 */
const LAZY: ReadonlySet<Topology> = new Set<Topology>(['run', 'pipe', 'toGen', 'map-concurrent', 'merge', 'zip', 'tee', 'chain-readable', 'chain-run']);
/** chain() listens for the errors of the streams it was given (source, stage instances, sink) from the call on. */
const ADOPTING: ReadonlySet<Topology> = new Set<Topology>(['chain-foreign', 'chain-readable', 'chain-writable', 'chain-run']);
/** Topologies whose consumer is a `for await` loop (not a sink function or a Writable). */
const LOOP_CONSUMER: ReadonlySet<Topology> = new Set<Topology>(['pipe', 'toGen', 'map-concurrent', 'merge', 'zip', 'tee', 'chain-readable']);
/** Topologies whose sink position holds a stream genstream made (the chain's Readable or run stream). */
const OWN_STREAM_AT_SINK: ReadonlySet<Topology> = new Set<Topology>(['chain-readable', 'chain-run']);

/** Why a combination is not a cell (`undefined`: it is one). Each reason is the returned sentence. */
export function exclusion(topo: Topology, pos: Position, timing: Timing, kind: Kind): string | undefined {
  if (pos === 'source' && kind === 'return') return 'a source that returns early is a shorter source, not a fault';
  if (pos === 'sink' && kind === 'take') return 'take(n) at the sink is the consumer stopping after n items: the return kind';
  if (kind === 'take' && timing === 'before-read') {
    return "take(n) has no 'before the first read' moment: take(0) is before-first, a consumer leaving unread is the return kind";
  }
  if (pos === 'middle' && kind === 'return' && timing === 'flush') return 'a middle stage returning after its loop has ended normally';
  if (!KINDS_AT[topo][pos].includes(kind)) return notAvailable(topo, pos, kind);
  if (kind === 'error-event' && timing === 'before-read' && LAZY.has(topo) && pos !== 'sink' && !ADOPTING.has(topo)) {
    return "'error' on a foreign stream nobody has started to read yet: it crashes the process in plain Node too";
  }
  if (pos === 'sink' && timing === 'before-read' && (kind === 'throw' || kind === 'reject') && LOOP_CONSUMER.has(topo)) {
    return 'a for-await consumer that fails before its loop never touches the iterator: nothing for genstream to see';
  }
  if (topo === 'chain-readable' && pos === 'sink' && timing === 'before-read' && kind === 'return') {
    return 'a for-await loop cannot stop a Readable before its first read (returning an unstarted iterator skips its cleanup): it leaves it unread or destroys it (the destroy kind)';
  }
  if (LAZY.has(topo) && pos !== 'sink' && timing === 'before-read' && isInternal(kind)) {
    return 'lazy topology: the source and stages start only at the first read, so this is the before-first cell';
  }
  return undefined;
}

function notAvailable(topo: Topology, pos: Position, kind: Kind): string {
  if (kind === 'error-event' && (topo === 'pipeline' || (pos === 'sink' && OWN_STREAM_AT_SINK.has(topo)))) return "emitting 'error' by hand on genstream's own streams bypasses their destroy: only foreign streams do that";
  if (isExternal(kind) && kind !== 'abort') return `no stream at the ${pos} of ${topo}`;
  if (kind === 'abort') return `no \`signal\` option at the ${pos} of ${topo}`;
  if (kind === 'return' && topo === 'fromWritable') return 'a Writable cannot stop early except by being destroyed (the destroy kinds)';
  if (kind === 'return' && topo === 'map-concurrent') return 'a map callback cannot stop the stream';
  return `${kind} is not possible at the ${pos} of ${topo}`;
}

// --- helpers -------------------------------------------------------------------------------------

const chainOf = chain as unknown as (...stages: unknown[]) => Duplex;
const pipeOf = pipe as unknown as (source: unknown, ...stages: unknown[]) => AsyncGenerator<unknown, void, undefined>;
const runOf = run as unknown as (source: unknown, ...stagesAndSink: unknown[]) => Promise<unknown>;
const pipelineOf = pipeline as unknown as (...streams: unknown[]) => Promise<void>;
const chainAny = chain as unknown as (...args: unknown[]) => Readable | NodeJS.WritableStream | Duplex;
const identity = (x: unknown): unknown => x;

function takeAt(cell: Cell, pos: Position): ((source: AsyncIterable<unknown> | Iterable<unknown>) => AsyncGenerator<unknown, void, undefined>) | null {
  return cell.kind === 'take' && cell.pos === pos ? take<unknown>(takeCount(cell.timing)) : null;
}

function applyTake(cell: Cell, pos: Position, it: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> | Iterable<unknown> {
  const t = takeAt(cell, pos);
  return t === null ? it : t(it);
}

function sinkLane(): Lane {
  return { label: 'sink', role: 'sink', arrived: [] };
}

/**
 * The source of the iterable topologies: a sync generator (`throw`), an async generator (`reject`, and
 * the healthy source when `healthy` is `'gen'`), a `FakeSource` (stream kinds; the healthy source when
 * `healthy` is `'fake'`), or `toReadable(gen, { signal })` (abort).
 */
function iterableSource(cell: Cell, label: string, items: readonly unknown[], healthy: 'gen' | 'fake'): AsyncIterable<unknown> | Iterable<unknown> {
  const faulty = cell.pos === 'source';
  if (faulty && cell.kind === 'throw') return syncSource(cell, label, items)();
  if (faulty && cell.kind === 'reject') return asyncSource(cell, label, items, true)();
  if (faulty && cell.kind === 'abort') {
    const stream = toReadable(asyncSource(cell, label, items, true), { highWaterMark: cell.hwm, signal: cell.signalFor(true) });
    cell.target = { label: 'toReadable source', controller: cell.controller! };
    return stream as AsyncIterable<unknown>;
  }
  if ((faulty && isExternal(cell.kind)) || healthy === 'fake') {
    const stream = new FakeSource(cell, `FakeSource ${label}`, items, faulty, { highWaterMark: cell.hwm });
    cell.watch(`FakeSource ${label}`, stream);
    if (faulty) cell.target = { label: `FakeSource ${label}`, stream };
    return stream;
  }
  return asyncSource(cell, label, items, false)();
}

/**
 * The source of the stream topologies: a `FakeSource` (faulty or healthy), or `Readable.from(asyncGen)`
 * for `reject` (a foreign Readable whose source rejects).
 */
function foreignSource(cell: Cell, items: readonly unknown[]): Readable {
  if (cell.pos === 'source' && cell.kind === 'reject') {
    return NodeReadable.from(asyncSource(cell, 'source', items, true)(), { objectMode: true, highWaterMark: cell.hwm });
  }
  const faulty = cell.pos === 'source';
  const src = new FakeSource(cell, 'FakeSource', items, faulty, { highWaterMark: cell.hwm, signal: cell.signalFor(faulty) });
  if (faulty) cell.target = { label: 'FakeSource', stream: src, controller: cell.controller ?? undefined };
  return src;
}

/** chain() takes only an `async` function last as its sink (any other function there is a stage). */
function asyncSink(fn: (source: AsyncIterable<unknown>) => unknown): (source: AsyncIterable<unknown>) => Promise<unknown> {
  return async (source) => fn(source);
}

/** chain()'s options: the cell's high-water mark, and the `signal` when the chain's own stream is faulty. */
function chainOptions(cell: Cell, faulty: boolean): { highWaterMark: number; signal?: AbortSignal } {
  const signal = cell.signalFor(faulty);
  return signal === undefined ? { highWaterMark: cell.hwm } : { highWaterMark: cell.hwm, signal };
}

/** The middle Transform of chain/run/pipe: faulty for the stream kinds at the middle. */
function middleTransform(cell: Cell): FakeTransform {
  const faulty = cell.pos === 'middle' && isExternal(cell.kind);
  const t = new FakeTransform(cell, 'FakeTransform', faulty, { highWaterMark: cell.hwm, signal: cell.signalFor(faulty) });
  cell.watch('FakeTransform', t);
  if (faulty) cell.target = { label: 'FakeTransform', stream: t, controller: cell.controller ?? undefined };
  return t;
}

/** The stages of chain/run/pipe: [take], map, generator, Transform, [take]. */
function stagesOf(cell: Cell): unknown[] {
  const stages: unknown[] = [];
  const first = takeAt(cell, 'source');
  if (first) stages.push(first);
  stages.push(map(identity), middleStage(cell, 'middle', cell.pos === 'middle' && isInternal(cell.kind)), middleTransform(cell));
  const last = takeAt(cell, 'middle');
  if (last) stages.push(last);
  return stages;
}

// --- the topologies ------------------------------------------------------------------------------

export const BUILDERS: Readonly<Record<Topology, (cell: Cell) => Built>> = {
  /** `pipeline(toReadable(gen), fromGen(gen), toWritable(sinkFn))`. */
  pipeline(cell) {
    const lane = sinkLane();
    const hwm = cell.hwm;
    const items = itemsOf(0, N);
    const source =
      cell.pos === 'source' && cell.kind === 'throw'
        ? syncSource(cell, 'source', items)
        : asyncSource(cell, 'source', items, cell.pos === 'source');
    const src = toReadable(source, { highWaterMark: hwm, signal: cell.signalFor(cell.pos === 'source') });
    const mid = fromGen(middleStage(cell, 'middle', cell.pos === 'middle'), { highWaterMark: hwm, signal: cell.signalFor(cell.pos === 'middle') });
    const sink = toWritable(sinkFunction(cell, lane, cell.pos === 'sink', N), { highWaterMark: hwm, signal: cell.signalFor(cell.pos === 'sink') });
    const at = { source: src, middle: mid, sink }[cell.pos];
    cell.target = { label: `the ${cell.pos} stream`, stream: at, controller: cell.controller ?? undefined };
    const streams: unknown[] = [src];
    if (takeAt(cell, 'source')) streams.push(fromGen(take(takeCount(cell.timing))));
    streams.push(mid);
    if (takeAt(cell, 'middle')) streams.push(fromGen(take(takeCount(cell.timing))));
    streams.push(sink);
    return { lanes: [{ lane, promise: pipelineOf(...streams) }] };
  },

  /** `pipeline(foreignReadable, chain(map, gen, Transform), foreignWritable)`. */
  'chain-foreign'(cell) {
    const lane = sinkLane();
    const hwm = cell.hwm;
    const src = foreignSource(cell, itemsOf(0, N));
    const middle = chainOf(...stagesOf(cell));
    let sink: NodeJS.WritableStream;
    if (cell.pos === 'sink' && cell.kind === 'return') sink = toWritable(sinkFunction(cell, lane, true, N), { highWaterMark: hwm });
    else {
      const faulty = cell.pos === 'sink';
      const fake = new FakeSink(cell, 'FakeSink', lane, faulty, { highWaterMark: hwm, signal: cell.signalFor(faulty) });
      if (faulty) cell.target = { label: 'FakeSink', stream: fake, controller: cell.controller ?? undefined };
      sink = fake;
    }
    // Node's own pipeline leaves its end-of-stream listeners on FakeSource and FakeSink; the ledger
    // ignores those and checks only genstream's.
    cell.watch('FakeSource', src);
    if (sink instanceof FakeSink) cell.watch('FakeSink', sink);
    return { lanes: [{ lane, promise: pipelineOf(src, middle, sink) }] };
  },

  /** `run(source, map, gen, Transform, sinkFn)`. */
  run(cell) {
    const lane = sinkLane();
    const source = iterableSource(cell, 'source', itemsOf(0, N), 'fake');
    const promise = runOf(source, ...stagesOf(cell), sinkFunction(cell, lane, cell.pos === 'sink', N));
    return { lanes: [{ lane, promise }] };
  },

  /** `for await (const x of pipe(source, map, gen, Transform))`. */
  pipe(cell) {
    const lane = sinkLane();
    const source = iterableSource(cell, 'source', itemsOf(0, N), 'fake');
    const it = pipeOf(source, ...stagesOf(cell));
    return { lanes: [{ lane, promise: consume(cell, it, lane, { faulty: cell.pos === 'sink', style: 'loop', total: N }) }] };
  },

  /** `fromWritable(foreignWritable)(gen(source))`. */
  fromWritable(cell) {
    const lane = sinkLane();
    let it = applyTake(cell, 'source', iterableSource(cell, 'source', itemsOf(0, N), 'gen'));
    it = applyTake(cell, 'middle', middleStage(cell, 'middle', cell.pos === 'middle')(it as AsyncIterable<unknown>));
    const faulty = cell.pos === 'sink';
    const sink = new FakeSink(cell, 'FakeSink', lane, faulty, { highWaterMark: cell.hwm });
    cell.watch('FakeSink', sink);
    const signal = cell.signalFor(faulty);
    if (faulty) cell.target = { label: 'FakeSink', stream: sink, controller: cell.controller ?? undefined };
    return { lanes: [{ lane, promise: fromWritable(sink, { signal })(it) }] };
  },

  /** `for await (const x of toGen(transform)(source))`. */
  toGen(cell) {
    const lane = sinkLane();
    const src = applyTake(cell, 'source', iterableSource(cell, 'source', itemsOf(0, N), 'gen'));
    const faulty = cell.pos === 'middle';
    const t = new FakeTransform(cell, 'FakeTransform', faulty, { highWaterMark: cell.hwm, signal: cell.signalFor(faulty && cell.kind === 'abort') });
    cell.watch('FakeTransform', t);
    if (faulty) cell.target = { label: 'FakeTransform', stream: t, controller: cell.controller ?? undefined };
    const it = applyTake(cell, 'middle', toGen(t)(src));
    return { lanes: [{ lane, promise: consume(cell, it as AsyncIterable<unknown>, lane, { faulty: cell.pos === 'sink', style: 'loop', total: N }) }] };
  },

  /** `for await (const x of map(fn, { concurrency: 4, maxBuffered: 8 })(source))`; `fn` takes 0–2 macrotasks per item. */
  'map-concurrent'(cell) {
    const lane = sinkLane();
    const src = applyTake(cell, 'source', iterableSource(cell, 'source', itemsOf(0, N), 'gen'));
    const faulty = cell.pos === 'middle';
    // The callback's code points: 'start' is the call for item 0, 'flush' the call for the last item
    // (a rejection then comes after the source has ended).
    const fn = (x: unknown, i: number): Promise<unknown> => {
      if (faulty) {
        const action = (i === 0 ? cell.at('middle', 'start') : undefined) ?? cell.at('middle', i) ?? (i === N - 1 ? cell.at('middle', 'flush') : undefined);
        if (action === 'throw') throw cell.err;
        if (action === 'reject') return i === N - 1 && cell.timing === 'flush' ? ticks(3).then(() => rejectSoon(cell.err)) : rejectSoon(cell.err);
      }
      return ticks(i % 3).then(() => x);
    };
    const it = applyTake(cell, 'middle', map(fn, { concurrency: 4, maxBuffered: 8 })(src));
    return { lanes: [{ lane, promise: consume(cell, it as AsyncIterable<unknown>, lane, { faulty: cell.pos === 'sink', style: 'loop', total: N }) }] };
  },

  /** `for await (const x of gen(merge(a, b)))`. */
  merge(cell) {
    const lane = sinkLane();
    const a = applyTake(cell, 'source', iterableSource(cell, 'a', itemsOf(0, N), 'gen'));
    const b = asyncSource(cell, 'b', itemsOf(100, N), false)();
    const it = applyTake(cell, 'middle', middleStage(cell, 'middle', cell.pos === 'middle')(merge(a, b)));
    return { lanes: [{ lane, promise: consume(cell, it as AsyncIterable<unknown>, lane, { faulty: cell.pos === 'sink', style: 'loop', total: 2 * N }) }] };
  },

  /** `for await (const x of gen(zip(a, b)))`. */
  zip(cell) {
    const lane = sinkLane();
    const a = applyTake(cell, 'source', iterableSource(cell, 'a', itemsOf(0, N), 'gen'));
    const b = asyncSource(cell, 'b', itemsOf(100, N), false)();
    const it = applyTake(cell, 'middle', middleStage(cell, 'middle', cell.pos === 'middle')(zip(a, b) as AsyncIterable<unknown>));
    return { lanes: [{ lane, promise: consume(cell, it as AsyncIterable<unknown>, lane, { faulty: cell.pos === 'sink', style: 'loop', total: N }) }] };
  },

  /** `[x, y] = tee(source, 2)`; `pipe(x, gen)` and `y` are read concurrently. */
  tee(cell) {
    const laneX = sinkLane();
    const laneY: Lane = { label: 'branch 1 (bystander)', role: 'bystander', arrived: [] };
    const src = applyTake(cell, 'source', iterableSource(cell, 'source', itemsOf(0, N), 'gen'));
    const [x, y] = tee(src, 2, { bufferSize: cell.hwm });
    // Branch 0 runs its stage through pipe(), so that genstream (not hand-written glue) is responsible
    // for returning the branch when the stage or the consumer stops: a branch nobody returns holds the
    // other one back, as tee() documents.
    const stages: unknown[] = [middleStage(cell, 'middle', cell.pos === 'middle')];
    const last = takeAt(cell, 'middle');
    if (last) stages.push(last);
    const itX = pipeOf(x, ...stages);
    const px = consume(cell, itX as AsyncIterable<unknown>, laneX, { faulty: cell.pos === 'sink', style: 'loop', total: N });
    const py = consume(cell, y, laneY, { faulty: false, style: 'loop', total: N });
    return {
      lanes: [
        { lane: laneX, promise: px },
        { lane: laneY, promise: py },
      ],
    };
  },

  /** `for await (const x of chain(source, map, gen, Transform))`: the chain is a Readable. */
  'chain-readable'(cell) {
    const lane = sinkLane();
    const source = iterableSource(cell, 'source', itemsOf(0, N), 'fake');
    const faulty = cell.pos === 'sink' && isExternal(cell.kind);
    const readable = chainAny(chainOptions(cell, faulty), source, ...stagesOf(cell)) as Readable;
    if (faulty) cell.target = { label: 'the chain Readable', stream: readable, controller: cell.controller ?? undefined };
    return { lanes: [{ lane, promise: consume(cell, readable, lane, { faulty: cell.pos === 'sink', style: 'loop', total: N }) }] };
  },

  /** `pipeline(foreignReadable, chain(map, gen, Transform, sink))`: the chain is a Writable. */
  'chain-writable'(cell) {
    const lane = sinkLane();
    const src = foreignSource(cell, itemsOf(0, N));
    let sink: unknown;
    if (cell.pos === 'sink' && cell.kind === 'return') sink = asyncSink(sinkFunction(cell, lane, true, N));
    else {
      const faulty = cell.pos === 'sink';
      const fake = new FakeSink(cell, 'FakeSink', lane, faulty, { highWaterMark: cell.hwm, signal: cell.signalFor(faulty) });
      if (faulty) cell.target = { label: 'FakeSink', stream: fake, controller: cell.controller ?? undefined };
      cell.watch('FakeSink', fake);
      sink = fake;
    }
    const writable = chainAny({ highWaterMark: cell.hwm }, ...stagesOf(cell), sink);
    cell.watch('FakeSource', src);
    return { lanes: [{ lane, promise: pipelineOf(src, writable) }] };
  },

  /** `finished(chain(source, map, gen, Transform, sink))`: the chain is a stream that only runs. */
  'chain-run'(cell) {
    const lane = sinkLane();
    const items = itemsOf(0, N);
    // A source first may be a function without parameters returning one: the generator sources are.
    let source: unknown;
    if (cell.pos === 'source' && cell.kind === 'throw') source = syncSource(cell, 'source', items);
    else if (cell.pos === 'source' && cell.kind === 'reject') source = asyncSource(cell, 'source', items, true);
    else source = iterableSource(cell, 'source', items, 'fake');
    // Stream kinds at the sink act on the run stream itself; its sink is then a foreign Writable, which
    // the run must destroy when it is stopped from outside.
    const faulty = cell.pos === 'sink' && isExternal(cell.kind);
    let sink: unknown;
    if (faulty) {
      // (Faulty: its `_final` is the flush point that fires the fault; it takes no internal action.)
      const fake = new FakeSink(cell, 'FakeSink', lane, true, { highWaterMark: cell.hwm });
      cell.watch('FakeSink', fake);
      sink = fake;
    } else sink = asyncSink(sinkFunction(cell, lane, cell.pos === 'sink', N));
    const stream = chainAny(chainOptions(cell, faulty), source, ...stagesOf(cell), sink) as Duplex;
    if (faulty) cell.target = { label: 'the chain run stream', stream, controller: cell.controller ?? undefined };
    return { lanes: [{ lane, promise: finished(stream) }] };
  },
};
