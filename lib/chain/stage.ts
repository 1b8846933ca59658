/**
 * Stage kinds accepted by `chain()`, `pipe()` and `run()`, and how a list of stages is planned into
 * segments: adjacent fusable operators form one fused segment; every other stage is a segment of its
 * own. Validation happens here, at call time, naming the stage index.
 */
import type { Duplex } from 'node:stream';
import type { TransformStream } from 'node:stream/web';
import { isWebTransform } from '../adapters/web.js';
import { describe, GenstreamArgumentError } from '../internal/errors.js';
import { fusableOf, type FusableInfo } from '../internal/kernel.js';
import { isDuplexStream, isWebWritable, isWritableStream } from '../internal/validate.js';
import { isAsyncFunction, isSourceValue } from './shape.js';

type StageFunction = (source: AsyncIterable<unknown>, ctx: { signal: AbortSignal }) => unknown;

export type Segment =
  | { kind: 'fused'; infos: { info: FusableInfo; stage: number }[] }
  | { kind: 'fn'; fn: StageFunction; stage: number; label: string }
  | { kind: 'stream'; stream: Duplex; stage: number; label: string }
  | { kind: 'web'; ts: TransformStream; stage: number; label: string };

/** Stream instances already given to a chain: streams are one-shot. */
const claimed = new WeakSet<object>();

function label(value: unknown): string {
  if (typeof value === 'function') return value.name ? `generator "${value.name}"` : 'generator (anonymous)';
  return streamLabel(value);
}

/** `stream Parser`: how a stream stage (or the stream a factory returned) is named in `failedStage`. */
export function streamLabel(stream: unknown): string {
  const name = (stream as object).constructor?.name;
  return `stream ${name || 'Duplex'}`;
}

/**
 * Checks and plans `stages`, naming the 0-based stage index in every error (counted from `offset`: the
 * position of `stages[0]` among the caller's arguments).
 */
export function plan(where: string, stages: readonly unknown[], offset = 0): Segment[] {
  const segments: Segment[] = [];
  const seenInThisCall = new Set<object>();
  for (let j = 0; j < stages.length; j++) {
    const s = stages[j];
    const i = j + offset;
    const bad = (what: string): never => {
      throw new GenstreamArgumentError(`${where}: stage ${i} ${what}, got ${describe(s)}`);
    };
    const info = fusableOf(s);
    if (info !== undefined) {
      const last = segments[segments.length - 1];
      if (last !== undefined && last.kind === 'fused') last.infos.push({ info, stage: i });
      else segments.push({ kind: 'fused', infos: [{ info, stage: i }] });
    } else if (isAsyncFunction(s)) {
      bad(
        where === 'chain'
          ? 'is an async function, which consumes its source: only the last argument of chain() can be such a sink; a stage returns an (async) iterable (an async function*)'
          : 'is an async function, which consumes its source: a stage returns an (async) iterable (an async function*); a sink goes last in run()',
      );
    } else if (typeof s === 'function') {
      segments.push({ kind: 'fn', fn: s as StageFunction, stage: i, label: label(s) });
    } else if (isDuplexStream(s)) {
      const d = s as unknown as Duplex;
      if (seenInThisCall.has(d)) bad('is a stream instance that appears twice in this call (pass a factory `() => stream` for each use)');
      if (claimed.has(d)) {
        bad('is a stream instance already used by another chain (streams are one-shot; pass a factory `() => stream` to reuse)');
      }
      if (d.destroyed || d.writableEnded || d.readableEnded) bad('is a stream that is already destroyed or ended');
      seenInThisCall.add(d);
      segments.push({ kind: 'stream', stream: d, stage: i, label: label(s) });
    } else if (isWebTransform(s)) {
      const ts = s as TransformStream;
      if (ts.readable.locked || ts.writable.locked || claimed.has(ts) || seenInThisCall.has(ts)) {
        bad('is a TransformStream that is already in use (locked)');
      }
      seenInThisCall.add(ts);
      segments.push({ kind: 'web', ts, stage: i, label: 'TransformStream' });
    } else if (isWritableStream(s) || isWebWritable(s)) {
      bad(`is a stream without a readable side; a Writable can only be the sink (${where === 'chain' ? "chain()'s last argument" : "run()'s last argument"})`);
    } else if (isSourceValue(s)) {
      bad(`is a source (it has no writable side); a source can only come first (${where === 'chain' ? "chain()'s first argument" : "pipe()/run()'s first argument"})`);
    } else {
      bad('must be a generator function, an operator, a Duplex/Transform stream (or a factory returning one) or a TransformStream');
    }
  }
  for (const o of seenInThisCall) claimed.add(o);
  return segments;
}

export type { FusableInfo };
