import { Readable, Writable } from 'node:stream';
import { fromReadable } from '../adapters/from-readable.js';
import { fromWritable } from '../adapters/from-writable.js';
import { fromWebReadable, isWebReadable } from '../adapters/web.js';
import { GenDuplex } from '../internal/gen-duplex.js';
import { fuseGen } from '../internal/kernel.js';
import { resolveDuplexOptions } from '../internal/options.js';
import { markExternal } from '../internal/stage-error.js';
import { fail, isIterable, isNodeStream, isWritableStream } from '../internal/validate.js';
import { compose, guardSource } from './compose.js';
import { FusedDuplex } from '../internal/fused-duplex.js';
import { plan, type Segment } from './stage.js';
import type { ChainFn, PipeFn, RunFn } from './types.js';

/**
 * Composes stages into one Duplex usable in `stream.pipeline`: generator stages, genstream operators,
 * Node Duplex/Transform instances or factories, and Web TransformStreams, in any mix.
 *
 * Fusion: adjacent fusable operators (map, filter, flatMap, take, scan, ...) run as one synchronous loop
 * with no promise or stream boundary between them; adjacent generator stages are composed as generators
 * inside one Duplex. Only real streams (a csv-parse Transform, a Web stream) add a stream boundary.
 * A chain made only of fusable operators is a Transform-like Duplex with no generator at all.
 *
 * Errors reach the pipeline as the original object; `failedStage(err)` tells which stage raised it.
 * Invalid stages throw a `TypeError` naming the stage index.
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
 * ```
 */
export const chain: ChainFn = (...stages: unknown[]) => {
  const segments = plan('chain', stages);
  const options = resolveDuplexOptions();
  if (segments.length === 1 && segments[0].kind === 'fused') {
    return new FusedDuplex(segments[0].infos, 'chain', options);
  }
  return new ChainDuplex((source, ctx) => compose(segments, source, ctx), 'chain', options);
};

/** chain()'s Duplex when it has generator or stream stages. */
class ChainDuplex extends GenDuplex<unknown, unknown> {
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // An error from outside (`destroy(err)`, or the pipeline passing on another stream's error) reaches
    // the stages through their source: mark it so that the stage rethrowing it is not blamed. A
    // stage's own error is already attributed by now (the first record wins).
    markExternal(err);
    super._destroy(err, cb);
  }
}

/** Turns what `pipe()`/`run()` accept as a source into an iterable (validated at call time). */
function sourceIterable(where: string, source: unknown): AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof source === 'function') {
    const out = (source as () => unknown)();
    if (!isIterable(out)) fail(where, '`source` function to return an iterable or async iterable', out);
    return out;
  }
  if (source instanceof Writable && !(source instanceof Readable)) {
    fail(where, '`source` to be readable; a Writable can only be the sink (the last argument of run())', source);
  }
  if (source instanceof Readable || (isNodeStream(source) && !isIterable(source))) return fromReadable(source as Readable);
  if (isWebReadable(source)) return fromWebReadable(source);
  if (typeof source === 'string' || !isIterable(source)) {
    fail(where, '`source` to be an iterable, an async iterable, a generator function, a Readable or a ReadableStream', source);
  }
  return source;
}

function pipeSegments(segments: Segment[], source: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<unknown, void, undefined> {
  if (segments.length === 1 && segments[0].kind === 'fused') return fuseGen(segments[0].infos, source);
  return piped(segments, source);
}

async function* piped(segments: Segment[], source: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<unknown, void, undefined> {
  const controller = new AbortController();
  let complete = false;
  try {
    if (segments.length === 0) yield* source as AsyncIterable<unknown>;
    // A fused first segment marks its source's errors itself; a generator or stream stage would rethrow them.
    else yield* compose(segments, segments[0].kind === 'fused' ? source : guardSource(source), { signal: controller.signal });
    complete = true;
  } finally {
    if (!complete) controller.abort();
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
 * has finished. The sink is an async function over the output, or a Writable (written with
 * backpressure, ended, and awaited until `'finish'`). If the sink returns early, the stages and the
 * source are returned (their `finally` runs) before `run()` resolves.
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
  if (typeof sink !== 'function' && !isWritableStream(sink)) {
    fail('run', 'the last argument (`sink`) to be an async function or a Writable stream', sink);
  }
  const segments = plan('run', rest);
  return runInto(pipeSegments(segments, sourceIterable('run', source)), sink);
}) as RunFn;

async function runInto(out: AsyncGenerator<unknown, void, undefined>, sink: unknown): Promise<unknown> {
  try {
    if (typeof sink === 'function') return await (sink as (src: AsyncGenerator<unknown>) => unknown)(out);
    await fromWritable(sink as Writable)(out);
    return undefined;
  } finally {
    await out.return(undefined);
  }
}
