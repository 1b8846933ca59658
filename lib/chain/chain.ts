import { Duplex, Readable, Writable, type DuplexOptions } from 'node:stream';
import { toReadable, type ToReadableOptions } from '../adapters/to-readable.js';
import { toWritable, type ToWritableOptions } from '../adapters/to-writable.js';
import { fromReadable, rootReader } from '../adapters/from-readable.js';
import { fromWritable } from '../adapters/from-writable.js';
import { fromWebReadable, isWebReadable } from '../adapters/web.js';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GenDuplex } from '../internal/gen-duplex.js';
import type { StageOrigin } from '../internal/pump.js';
import { fuseGen } from '../internal/kernel.js';
import type { ResolvedDuplexOptions } from '../internal/options.js';
import { writeWeb } from '../internal/web-writer.js';
import { markExternal, tagError } from '../internal/stage-error.js';
import { fail, isIterable, isNodeStream, isWebWritable, isWritableStream } from '../internal/validate.js';
import { AbortError, describe, GenstreamArgumentError } from '../internal/errors.js';
import { isThenable } from '../internal/kernel.js';
import { isGeneratorFunction, isOperator } from '../internal/operator.js';
import { OwnedGenerator, releaseIterator } from '../internal/sources.js';
import { compose, guardSource } from './compose.js';
import { FusedDuplex } from '../internal/fused-duplex.js';
import { plan, type Segment } from './stage.js';
import { shapeOf } from './shape.js';
import type { ChainFn, PipeFn, RunFn } from './types.js';

/**
 * Composes stages into one stream, as `stream.compose` does, with genstream's fusion, cleanup and
 * error attribution: generator stages, genstream operators, Node Duplex/Transform instances or
 * factories, and Web TransformStreams, in any mix.
 *
 * The ends decide what it makes:
 * - only stages: a `Duplex` for `stream.pipeline`;
 * - a source first (a Readable, a Web ReadableStream, an iterable, a function without parameters
 *   returning one such as `async function* () {}`, or a string/Buffer as one chunk): a `Readable`;
 * - a sink last (a Writable, a Web WritableStream, or an `async` function consuming the source): a
 *   `Writable` that finishes only after the sink has (like `toWritable`);
 * - both: a stream that runs at once and only has to be awaited (`await finished(stream)`), neither
 *   readable nor writable, as `compose(source, sink)` makes. (`run()` is the promise form.)
 *
 * An optional first argument, a plain object, holds {@link ChainOptions}. Without them each side's
 * object mode follows the stage at that end: `chain(createGzip(), createGunzip())` is a byte stream,
 * `chain(parse(), map(f))` takes bytes and gives objects.
 *
 * Fusion: adjacent fusable operators (map, filter, flatMap, take, scan, ...) run as one synchronous loop
 * with no promise or stream boundary between them; adjacent generator stages are composed as generators
 * inside one stream. Only real streams (a csv-parse Transform, a Web stream) add a stream boundary.
 * A chain made only of fusable operators is a Transform-like Duplex with no generator at all.
 *
 * Errors reach the pipeline as the original object; `failedStage(err)` tells which stage raised it
 * (positions count the arguments after the options). Invalid arguments throw a
 * `GenstreamArgumentError` at call time naming the position and what it got.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { chain, filter, map, toReadable, toWritable } from 'genstream';
 *
 * await pipeline(
 *   toReadable([1, 2, 3, 4]),
 *   chain(map((n: number) => n * 10), filter((n) => n > 10)),
 *   toWritable(async (src) => { for await (const n of src) console.log(n); }),
 * );
 *
 * // A source first: a Readable.
 * chain([1, 2, 3], map((n) => n * 2)).on('data', console.log);
 * ```
 */
export const chain = ((...args: unknown[]) => {
  const shape = shapeOf(args);
  const { options, name, offset } = shape;
  const segments = plan('chain', shape.stages, offset);
  if (shape.source !== null) {
    const value = shape.source.value;
    // A string or a byte buffer is one chunk, as toReadable and Readable.from take it.
    const root = sourceIterable('chain', typeof value === 'string' || value instanceof Uint8Array ? [value] : value);
    if (shape.sink !== null) return new ChainRun(segments, root, shape.sink.value, options);
    const out = pipeSegments(segments, root);
    const readable = toReadable(out, readableSide(options, name));
    adoptStreams(readable, segments, { source: root.stream });
    // However it closes (ended, failed, destroyed before its first read): release the source and stages.
    readable.once('close', () => void out.return(undefined).catch(noop));
    return readable;
  }
  if (shape.sink !== null) {
    const sink = shape.sink.value;
    const state: RunState = { running: false, failure: null };
    const writable = toWritable((input) => {
      state.running = true;
      return settleRun(runInto(pipeSegments(segments, { iterable: input, stream: null }), sink), state);
    }, writableSide(options, name));
    adoptStreams(writable, segments, { sink }, state);
    // Destroyed before it started: the sink and the stages given as instances go with it.
    writable.once('close', () => {
      destroyStageStreams(segments);
      destroySink(sink);
    });
    return writable;
  }
  if (segments.length === 1 && segments[0].kind === 'fused') {
    return new FusedDuplex(segments[0].infos, name, options);
  }
  const duplex = new ChainDuplex((source, ctx) => compose(segments, source, ctx, false), name, options, lastStage(segments));
  duplex.segments = segments;
  adoptStreams(duplex, segments);
  return duplex;
}) as ChainFn;

function readableSide(o: ResolvedDuplexOptions, name: string): ToReadableOptions {
  return { objectMode: o.readableObjectMode, highWaterMark: o.readableHighWaterMark, encoding: o.encoding, signal: o.signal, name };
}

function writableSide(o: ResolvedDuplexOptions, name: string): ToWritableOptions {
  return { objectMode: o.writableObjectMode, highWaterMark: o.writableHighWaterMark, signal: o.signal, name };
}

/** The Node streams at a chain's ends: a source Readable, a sink Writable. */
interface Ends {
  source?: unknown;
  sink?: unknown;
}

/** A run into a sink (the Writable and run-only shapes): whether it started, and a stream error meanwhile. */
interface RunState {
  running: boolean;
  failure: Error | null;
}

type Adopted = NodeJS.EventEmitter & { destroyed?: boolean; destroy(err?: Error): unknown };

/**
 * The streams given to the chain — the stage instances (their errors attributed to their stage), and
 * a source Readable or sink Writable at its ends — fail `owner` with their error if they raise one
 * before the run reads or writes them (nobody listens yet: it would crash the process, where
 * `stream.compose` would not). Once a run into a sink is going (`run.running`), the run fails with
 * the error instead, after its cleanup (destroying `owner` would stop it from outside and settle
 * first): the error is recorded, and a stream that emitted it without being destroyed is destroyed
 * with it, so that the run sees it.
 */
function adoptStreams(owner: Readable | Writable | Duplex, segments: readonly Segment[], ends: Ends = {}, run?: RunState): void {
  const listeners: [NodeJS.EventEmitter, (err: Error) => void][] = [];
  const adopt = (stream: Adopted, attribute: (err: Error) => void): void => {
    const listener = (err: Error): void => {
      attribute(err);
      if (run?.running !== true) owner.destroy(err);
      else {
        run.failure ??= err;
        if (stream.destroyed !== true) stream.destroy(err);
      }
    };
    listeners.push([stream, listener]);
    stream.on('error', listener);
  };
  for (const seg of segments) if (seg.kind === 'stream') adopt(seg.stream, (err) => tagError(err, seg.stage, seg.label));
  if (ends.source instanceof Readable) adopt(ends.source, markExternal);
  if (isWritableStream(ends.sink)) adopt(ends.sink as Writable, noop);
  if (listeners.length > 0) owner.once('close', () => listeners.forEach(([s, l]) => s.off('error', l)));
}

/** A run's outcome, with the error one of its streams raised first (what the run ended with may follow from it). */
function settleRun<T>(result: Promise<T>, state: RunState): Promise<T> {
  return result.then(
    (value) => (state.failure === null ? value : Promise.reject(state.failure)),
    (err: unknown) => Promise.reject(state.failure ?? err),
  );
}

/**
 * A sink stream given to a chain that closes without having finished it: destroyed with the chain
 * (without an error: nobody may listen to the sink's `'error'` any more, and it would crash the process).
 */
function destroySink(sink: unknown): void {
  if (isWebWritable(sink)) {
    if (!sink.locked) void sink.abort(new AbortError('chain: closed before its sink finished')).catch(noop);
  } else if (isWritableStream(sink)) {
    const w = sink as Writable;
    if (!w.destroyed && !w.writableFinished) w.destroy();
  }
}

const noop = (): void => {};

/**
 * `chain(source, ...stages, sink)`: the whole run, started at once, as a stream that is neither
 * readable nor writable (what `stream.compose` makes of a source and a sink). It is destroyed when
 * the run ends: with the run's error, or without one (so `finished()` resolves). Destroying it first
 * stops the run: the sink stream is destroyed and the source released.
 */
class ChainRun extends Duplex {
  private done = false;
  private readonly state: RunState = { running: false, failure: null };
  private readonly out: AsyncGenerator<unknown, void, undefined>;

  constructor(segments: Segment[], root: Root, private readonly sink: unknown, o: ResolvedDuplexOptions) {
    // (`readable`/`writable: false` are Duplex options Node has always had; @types/node omits them.)
    super({ readable: false, writable: false, objectMode: true, signal: o.signal } as DuplexOptions);
    this.out = pipeSegments(segments, root);
    adoptStreams(this, segments, { source: root.stream, sink }, this.state);
    // Started on the next tick: the caller attaches its listeners (or `finished()`) first.
    process.nextTick(() => {
      if (this.destroyed) return;
      this.state.running = true;
      settleRun(runInto(this.out, sink), this.state).then(
        () => this.finish(null),
        (err: unknown) => this.finish(err as Error),
      );
    });
  }

  private finish(err: Error | null): void {
    this.done = true;
    if (!this.destroyed) this.destroy(err ?? undefined);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.done) {
      // Stopped from outside: never wait on user code (see DESIGN-NOTES §2).
      this.done = true;
      destroySink(this.sink);
      void this.out.return(undefined).catch(noop);
      if (err === null) err = new AbortError('chain: destroyed before the run ended');
    }
    cb(err);
  }
}

/** The stage whose output leaves the chain (named when it yields a value the stream cannot carry). */
function lastStage(segments: readonly Segment[]): StageOrigin | undefined {
  const seg = segments[segments.length - 1];
  if (seg === undefined) return undefined;
  if (seg.kind !== 'fused') return { index: seg.stage, label: seg.label };
  const last = seg.infos[seg.infos.length - 1];
  return { index: last.stage, label: last.info.label };
}

/** chain()'s Duplex when it has generator or stream stages. */
class ChainDuplex extends GenDuplex<unknown, unknown> {
  /** Its stages; the stream instances among them belong to the chain (see adoptStreams). */
  segments: readonly Segment[] = [];

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // An error from outside (`destroy(err)`, or the pipeline passing on another stream's error) reaches
    // the stages through their source: mark it so that the stage rethrowing it is not blamed. A
    // stage's own error is already attributed by now (the first record wins).
    markExternal(err);
    // The stream instances given as stages belong to the chain, even those it never started.
    destroyStageStreams(this.segments);
    super._destroy(err, cb);
  }
}

/** What `pipe()`/`run()` read: the source as an iterable, and the stream behind it, if any. */
interface Root {
  iterable: AsyncIterable<unknown> | Iterable<unknown>;
  stream: Readable | WebReadableStream | null;
  /** The iterable marks its own errors as the source's (no guardSource needed). */
  marked?: boolean;
}

/** Turns what `pipe()`/`run()` accept as a source into an iterable (validated at call time). */
function sourceIterable(where: string, source: unknown): Root {
  if (typeof source === 'function') {
    const out = (source as () => unknown)();
    if (!isIterable(out)) fail(where, '`source` function to return an iterable or async iterable', out);
    return { iterable: out, stream: null };
  }
  if (source instanceof Writable && !(source instanceof Readable)) {
    fail(where, '`source` to be readable; a Writable can only be the sink (the last argument of run())', source);
  }
  if (source instanceof Readable && typeof source.read === 'function') {
    // Its errors are marked as the source's where they are read: no guard per item (see guardSource).
    return { iterable: rootReader(source), stream: source, marked: true };
  }
  if (source instanceof Readable || (isNodeStream(source) && !isIterable(source))) {
    return { iterable: fromReadable(source as Readable), stream: source instanceof Readable ? source : null };
  }
  if (isWebReadable(source)) return { iterable: fromWebReadable(source), stream: source as WebReadableStream };
  if (typeof source === 'string' || !isIterable(source)) {
    fail(where, '`source` to be an iterable, an async iterable, a generator function, a Readable or a ReadableStream', source);
  }
  return { iterable: source, stream: null };
}

/** One run of `pipe()`/`run()`. */
interface PipeRun {
  /** The output was read to its end. */
  complete: boolean;
  /** Aborts the generator stages' `ctx.signal` when the run stops early. */
  readonly controller: AbortController;
  /** The feeds of its stream stages (see toGenWith). */
  readonly feeds: Promise<void>[];
}

function pipeSegments(segments: Segment[], root: Root): AsyncGenerator<unknown, void, undefined> {
  const source = root.iterable;
  const state: PipeRun = { complete: false, controller: new AbortController(), feeds: [] };
  const out = segments.length === 1 && segments[0].kind === 'fused' ? fuseGen(segments[0].infos, fusedInput(root)) : new Piped(segments, root, state);
  // A consumer may stop before its first read (`return()` on a fresh generator skips its body): release
  // what the call already holds all the same — the source, and the stream instances given as stages.
  // A consumer that stops later: destroy the root stream first, so that stages waiting on it settle.
  return new OwnedGenerator(out, (started) => (started ? releaseRoot(root) : releaseUnread(segments, source)));
}

/**
 * What a fused first segment reads: a root Readable itself (read with `read()` in batches, no promise
 * per item; see FusedRun), else the root iterable.
 */
function fusedInput(root: Root): AsyncIterable<unknown> | Iterable<unknown> {
  return root.stream instanceof Readable ? root.stream : (root.iterable as AsyncIterable<unknown> | Iterable<unknown>);
}

async function releaseUnread(segments: readonly Segment[], source: unknown): Promise<void> {
  destroyStageStreams(segments);
  await releaseIterator(source);
}

/** The stream instances given as stages belong to the run: destroy those still alive. */
function destroyStageStreams(segments: readonly Segment[]): void {
  for (const seg of segments) if (seg.kind === 'stream' && !seg.stream.destroyed) seg.stream.destroy();
}

/**
 * Releases the root source when the run ends, whatever the stages did with it (a stage may stop, or
 * fail, without reading it): a root Readable not read to its end is destroyed; a root iterator nobody
 * started (a tee branch, a generator) is returned; a started one is asked to return without waiting
 * (it may be busy in user code, and then returns at its next `yield`). Destroying a root stream lets
 * everything waiting on it settle.
 */
async function releaseRoot(root: Root): Promise<void> {
  const stream = root.stream;
  if (stream instanceof Readable) {
    if (!stream.readableEnded && !stream.destroyed) stream.destroy();
    return;
  }
  const it = root.iterable;
  if (it instanceof OwnedGenerator && !it.started) await it.return();
  else void releaseIterator(it).catch(() => {});
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** `pipe(source)` with no stage: the source's items, as `for await` would see them. */
async function* passThrough(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<unknown, void, undefined> {
  yield* source;
}

/**
 * The output of `pipe()`/`run()` with generator or stream stages: the composed stages' iterator,
 * handed through with no generator layer of its own (one `then` per item), plus what happens when
 * the run ends — however it ends (done, failed, returned): abort the stages' signal unless it
 * completed, destroy the stream instances given as stages, release the root, and wait for the feeds
 * of stream stages (so every stage's and the source's `finally` has run before pipe()/run() settle).
 */
class Piped implements AsyncGenerator<unknown, void, undefined> {
  private it: AsyncIterator<unknown> | null = null;
  private ended = false;
  private readonly onResult = (r: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (!r.done) return r;
    this.state.complete = true;
    return this.end().then(() => DONE);
  };
  private readonly onError = (err: unknown): Promise<never> => {
    // The last stage is not wrapped to tag its errors (a promise per item): an error that leaves it
    // untagged and unmarked is its own.
    const last = lastStage(this.segments);
    if (last !== undefined) tagError(err, last.index, last.label);
    return this.end().then(() => Promise.reject(err));
  };

  constructor(
    private readonly segments: Segment[],
    private readonly root: Root,
    private readonly state: PipeRun,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  next(): Promise<IteratorResult<unknown, void>> {
    if (this.ended) return Promise.resolve(DONE);
    let it = this.it;
    if (it === null) {
      try {
        it = this.it = this.open();
      } catch (err) {
        return this.onError(err);
      }
    }
    return it.next().then(this.onResult, this.onError) as Promise<IteratorResult<unknown, void>>;
  }

  private open(): AsyncIterator<unknown> {
    const { segments, root, state } = this;
    const source = root.iterable;
    if (segments.length === 0) return passThrough(source);
    const ctx = { signal: state.controller.signal, feeds: state.feeds };
    // A fused first segment marks its source's errors itself; a generator or stream stage would rethrow them.
    const first = segments[0].kind === 'fused' ? fusedInput(root) : root.marked === true ? source : guardSource(source);
    return compose(segments, first, ctx, false)[Symbol.asyncIterator]();
  }

  async return(): Promise<IteratorResult<unknown, void>> {
    if (this.ended || this.it === null) {
      this.ended = true;
      return DONE;
    }
    let failure: { err: unknown } | null = null;
    try {
      await this.it.return?.();
    } catch (err) {
      failure = { err };
    }
    await this.end();
    if (failure !== null) throw failure.err;
    return DONE;
  }

  async throw(err: unknown): Promise<IteratorResult<unknown, void>> {
    await this.return();
    throw err;
  }

  /** Runs once, when the run ends. */
  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const { segments, root, state } = this;
    if (!state.complete) state.controller.abort();
    // A stage may have stopped (or failed) without reading its source, or before a stream stage after
    // it started: release them all the same.
    destroyStageStreams(segments);
    await releaseRoot(root);
    // The feeds of stream stages read ahead, so one may still wait inside its source: with the root
    // stream destroyed it settles now; a root generator busy producing its next item returns right
    // after yielding it (as with stream.pipeline, which also waits for it).
    if (state.feeds.length > 0) await Promise.all(state.feeds);
  }
}

/**
 * Runs stages over a source for plain `for await` code, with the same stage kinds and fusion as
 * `chain()`. The source may be any iterable, a generator (function), a Readable or a Web
 * ReadableStream. Breaking out of the loop returns every stage and the source (their `finally` runs).
 *
 * @example
 * ```ts
 * import { filter, map, pipe } from 'genstream';
 *
 * for await (const id of pipe([{ id: 1 }, { id: 2 }], map((r) => r.id), filter((id) => id > 1))) {
 *   console.log(id); // 2
 * }
 * ```
 */
export const pipe: PipeFn = (source: unknown, ...stages: unknown[]) => {
  const segments = plan('pipe', stages);
  return pipeSegments(segments, sourceIterable('pipe', source));
};

/**
 * Runs `source` through `stages` into `sink` and resolves with the sink's return value once everything
 * has finished: the typed promise form of `stream/promises`' `pipeline`. The sink is an async function
 * over the output, a Writable (written with backpressure, ended, and awaited until `'finish'`), or a Web
 * `WritableStream` (written with its backpressure, closed; a failure aborts it). If the sink returns
 * early, the stages and the source are returned (their `finally` runs) before `run()` resolves.
 *
 * @example
 * ```ts
 * import { map, run } from 'genstream';
 *
 * const total = await run([1, 2, 3], map((n: number) => n * 2), async (src) => {
 *   let sum = 0;
 *   for await (const n of src) sum += n;
 *   return sum;
 * }); // 12
 * ```
 */
// (Cast: the overloads resolve with the sink's result, or `void` for a Writable sink.)
export const run = ((source: unknown, ...rest: unknown[]): Promise<unknown> => {
  const sink = rest.pop();
  checkSink(sink, rest.length);
  const segments = plan('run', rest);
  return runInto(pipeSegments(segments, sourceIterable('run', source)), sink);
}) as RunFn;

const SINK = 'the last argument (`sink`) to be a function that consumes the output (e.g. toArray, or async (source) => { for await (...) }), a Writable stream or a Web WritableStream';

/** The last argument of run() must consume the output; a stage there would leave it unconsumed. */
function checkSink(sink: unknown, index: number): void {
  if (isWritableStream(sink) || isWebWritable(sink)) return;
  if (typeof sink !== 'function') fail('run', SINK, sink);
  if (isOperator(sink) || isGeneratorFunction(sink)) {
    throw new GenstreamArgumentError(
      `run: expected ${SINK}, got ${describe(sink)} at position ${index}, which is a stage: it returns the output ` +
        'instead of consuming it — add a sink after it (e.g. toArray or forEach(fn))',
    );
  }
}

async function runInto(out: AsyncGenerator<unknown, void, undefined>, sink: unknown): Promise<unknown> {
  try {
    if (isWebWritable(sink)) {
      await writeWeb(sink, out);
      return undefined;
    }
    if (typeof sink !== 'function') {
      await fromWritable(sink as Writable)(out);
      return undefined;
    }
    const result = (sink as (src: AsyncGenerator<unknown>) => unknown)(out);
    if (result != null && !isThenable(result) && (isIterable(result) || isNodeStream(result)) && typeof result !== 'string') {
      // A plain function stage (`(src) => src`, `(src) => map(f)(src)`) as the last argument.
      throw new GenstreamArgumentError(
        `run: expected ${SINK}; the last argument returned ${describe(result)} without consuming the output: ` +
          'it is a stage — add a sink after it (e.g. toArray or forEach(fn))',
      );
    }
    return await result;
  } finally {
    await out.return(undefined);
  }
}
