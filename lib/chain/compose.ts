/**
 * Composes planned segments into one async iterable: fused segments run in the kernel, generator
 * stages are called on the previous segment's output, and real streams (Node Duplex, Web
 * TransformStream) are crossed with `toGen`/`transformStreamGen`. Errors are attributed to the stage
 * they came from (see `failedStage`) without being altered.
 */
import type { Duplex } from 'node:stream';
import { toGen } from '../adapters/to-gen.js';
import { transformStreamGen } from '../adapters/web.js';
import { NotIterableError } from '../internal/errors.js';
import { fuseGen } from '../internal/kernel.js';
import { tagError } from '../internal/stage-error.js';
import { isDuplexStream } from '../internal/validate.js';
import type { Segment } from './stage.js';

export interface ComposeContext {
  signal: AbortSignal;
}

/**
 * Wraps an iterator so that an error it throws is tagged with `stage`. Allocates one derived promise
 * per item (only around generator and stream stages; fused operators tag with a free try/catch).
 */
class Tagged<T> implements AsyncIterableIterator<T> {
  private readonly it: AsyncIterator<T>;
  private readonly onError: (err: unknown) => never;

  constructor(iterable: AsyncIterable<T>, stage: number, label: string) {
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

function streamStage(stream: Duplex, source: AsyncIterable<unknown>, seg: { stage: number; label: string }): AsyncIterable<unknown> {
  return new Tagged(toGen(stream, { name: `stage ${seg.stage}` })(source), seg.stage, seg.label);
}

/** Applies `segments` to `source` in order and returns the last segment's output. */
export function compose(segments: readonly Segment[], source: AsyncIterable<unknown> | Iterable<unknown>, ctx: ComposeContext): AsyncIterable<unknown> {
  let current = source as AsyncIterable<unknown>;
  for (const seg of segments) {
    switch (seg.kind) {
      case 'fused':
        current = fuseGen(seg.infos, current);
        break;
      case 'fn': {
        let out: unknown;
        try {
          out = seg.fn(current, ctx);
        } catch (err) {
          tagError(err, seg.stage, seg.label);
          throw err;
        }
        // A function that returns a stream is a stream factory.
        current = isDuplexStream(out)
          ? streamStage(out as unknown as Duplex, current, seg)
          : new Tagged(toAsyncIterable(out, seg.stage, seg.label), seg.stage, seg.label);
        break;
      }
      case 'stream':
        current = streamStage(seg.stream, current, seg);
        break;
      case 'web':
        current = new Tagged(transformStreamGen(seg.ts, current), seg.stage, seg.label);
        break;
    }
  }
  return current;
}
