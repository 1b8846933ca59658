/**
 * Composes planned segments into one async iterable: fused segments run in the kernel, generator
 * stages are called on the previous segment's output, and real streams (Node Duplex, Web
 * TransformStream) are crossed with `toGen`/`transformStreamGen`. Errors are attributed to the stage
 * they came from (see `failedStage`) without being altered.
 */
import type { Duplex } from 'node:stream';
import { toGenWith } from '../adapters/to-gen.js';
import { transformStreamGen } from '../adapters/web.js';
import { NotIterableError } from '../internal/errors.js';
import { fuseStage } from '../internal/kernel.js';
import { keepLineItems } from '../internal/line-items.js';
import { markExternal, tagError } from '../internal/stage-error.js';
import { isDuplexStream } from '../internal/validate.js';
import { streamLabel, type Segment } from './stage.js';

export interface ComposeContext {
  signal: AbortSignal;
  /** `pipe()`/`run()`: the feeds of the stream stages, waited for after an early stop (see toGenWith). */
  feeds?: Promise<void>[];
}

/**
 * Wraps an iterator so that an error it throws is tagged with `stage`. Allocates one derived promise
 * per item (only around generator and stream stages; fused operators tag with a free try/catch).
 */
class Tagged<T> implements AsyncIterableIterator<T> {
  private readonly it: AsyncIterator<T>;
  private readonly onError: (err: unknown) => never;

  constructor(iterable: AsyncIterable<T>, stage: number, label: string) {
    keepLineItems(iterable, this);
    this.it = iterable[Symbol.asyncIterator]();
    this.onError = (err: unknown): never => {
      tagError(err, stage, label);
      throw err;
    };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return this.it.next().then(undefined, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    return typeof this.it.return === 'function'
      ? this.it.return(value).then(undefined, this.onError)
      : Promise.resolve({ done: true, value: undefined });
  }
}

/**
 * Wraps the source of `pipe()`/`run()` so that an error it throws is marked as the source's: the
 * generator or stream stage reading it rethrows it, and must not be blamed for it. A sync source stays
 * sync (so `for await` in the stage still awaits promise items) and costs nothing per item; an async one
 * costs one derived promise per item, like {@link Tagged}. (A fused first segment marks its source's
 * errors itself, at no cost: use this only before a generator, stream or web stage.)
 */
export function guardSource(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return new AsyncSourceGuard(source as AsyncIterable<unknown>);
  return new SyncSourceGuard(source as Iterable<unknown>);
}

const rethrowExternal = (err: unknown): never => {
  markExternal(err);
  throw err;
};

class AsyncSourceGuard implements AsyncIterableIterator<unknown> {
  private readonly it: AsyncIterator<unknown>;
  constructor(iterable: AsyncIterable<unknown>) {
    this.it = iterable[Symbol.asyncIterator]();
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
  next(): Promise<IteratorResult<unknown>> {
    return this.it.next().then(undefined, rethrowExternal);
  }
  return(value?: unknown): Promise<IteratorResult<unknown>> {
    return typeof this.it.return === 'function'
      ? this.it.return(value).then(undefined, rethrowExternal)
      : Promise.resolve({ done: true, value: undefined });
  }
}

class SyncSourceGuard implements IterableIterator<unknown> {
  private readonly it: Iterator<unknown>;
  constructor(iterable: Iterable<unknown>) {
    this.it = iterable[Symbol.iterator]();
  }
  [Symbol.iterator](): this {
    return this;
  }
  next(): IteratorResult<unknown> {
    try {
      return this.it.next();
    } catch (err) {
      return rethrowExternal(err);
    }
  }
  return(value?: unknown): IteratorResult<unknown> {
    try {
      return typeof this.it.return === 'function' ? this.it.return(value) : { done: true, value: undefined };
    } catch (err) {
      return rethrowExternal(err);
    }
  }
}

function toAsyncIterable(value: unknown, stage: number, label: string): AsyncIterable<unknown> {
  if (value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return value as AsyncIterable<unknown>;
  }
  if (value != null && typeof value !== 'string' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return (async function* syncStage() {
      yield* value as Iterable<unknown>;
    })();
  }
  const err = new NotIterableError(`stage ${stage} (${label})`, value);
  tagError(err, stage, label);
  throw err;
}

function streamStage(stream: Duplex, source: AsyncIterable<unknown>, stage: number, feeds: Promise<void>[] | undefined): AsyncIterable<unknown> {
  return toGenWith(stream, { name: `stage ${stage}` }, feeds)(source);
}

/**
 * Applies `segments` to `source` in order and returns the last segment's output. With `tagLast`
 * false the last segment's output is not wrapped to tag its errors: the caller tags what escapes.
 */
export function compose(
  segments: readonly Segment[],
  source: AsyncIterable<unknown> | Iterable<unknown>,
  ctx: ComposeContext,
  tagLast = true,
): AsyncIterable<unknown> {
  let current = source as AsyncIterable<unknown>;
  const tagged = <T>(iterable: AsyncIterable<T>, seg: { stage: number; label: string }, last: boolean): AsyncIterable<T> =>
    last && !tagLast ? iterable : new Tagged(iterable, seg.stage, seg.label);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    switch (seg.kind) {
      case 'fused':
        current = fuseStage(seg.infos, current);
        break;
      case 'fn': {
        let out: unknown;
        try {
          out = seg.fn(current, ctx);
        } catch (err) {
          tagError(err, seg.stage, seg.label);
          throw err;
        }
        // A function that returns a stream is a stream factory: label the stage as the stream it made.
        if (isDuplexStream(out)) {
          const label = streamLabel(out);
          // Tagged even when last: the caller knows the factory, not the stream it made (the label).
          current = tagged(streamStage(out as unknown as Duplex, current, seg.stage, ctx.feeds), { stage: seg.stage, label }, false);
        } else current = tagged(toAsyncIterable(out, seg.stage, seg.label), seg, last);
        break;
      }
      case 'stream':
        current = tagged(streamStage(seg.stream, current, seg.stage, ctx.feeds), seg, last);
        break;
      case 'web':
        current = tagged(transformStreamGen(seg.ts, current, ctx.feeds), seg, last);
        break;
    }
  }
  return current;
}
