import { Tee } from '../internal/tee.js';
import type { AnyIterable } from '../internal/types.js';
import { fail, isIterable } from '../internal/validate.js';
import { teeBufferSize, type TeeOptions } from './tee.js';

/** A consumer of one `fork` branch: reads the items and returns (or resolves to) a result. */
export type ForkSink<T = never, R = unknown> = (source: AsyncIterable<T>) => R | PromiseLike<R>;

/**
 * The items a set of sinks accepts: every sink gets every item, so it is what all of them accept
 * (inferred from the parameter types, contravariantly: `AsyncIterable<string>` and
 * `AsyncIterable<unknown>` give `string`).
 */
export type ForkInput<S extends readonly ForkSink[]> = [S[number]] extends [(source: AsyncIterable<infer T>) => unknown] ? T : never;

/** The results of a set of sinks, in order: `[number, string]` for sinks resolving to those. */
export type ForkResults<S extends readonly ForkSink[]> = { -readonly [K in keyof S]: Awaited<ReturnType<S[K]>> };

async function forkCore<T>(sinks: readonly ForkSink<T>[], bufferSize: number, source: AnyIterable<T>): Promise<unknown[]> {
  const t = new Tee(source, sinks.length, bufferSize);
  const branches = t.branches();
  const results = new Array<unknown>(sinks.length);
  let failure: { error: unknown } | null = null;
  const record = (err: unknown): void => {
    if (failure !== null) return;
    failure = { error: err };
    t.abort(err); // the other sinks see the same error at their next read
  };
  await Promise.all(
    sinks.map(async (sink, k) => {
      try {
        results[k] = await sink(branches[k]);
      } catch (err) {
        record(err);
      }
      try {
        // A sink may stop reading (or never start): release its share of the buffer.
        await branches[k].return();
      } catch (err) {
        record(err);
      }
    }),
  );
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * Sends every item of a stream to several consumers at once and resolves with their results, in
 * order — `tee` in the shape of a sink, for the end of a pipeline (`toWritable(fork([...]))`,
 * `run(source, ..., fork([...]))`) or plain code (`await fork([...])(source)`). Each sink gets its own
 * branch (an async generator of all items).
 *
 * - Backpressure: as in `tee`: the slowest sink sets the pace; the fastest is at most
 *   `options.bufferSize` (default 16) items ahead.
 * - Errors: the first error thrown by a sink (or the source's error, which reaches every sink) rejects
 *   the result with that same object, once. The other sinks then fail with the same error at their next
 *   read, and `fork` waits for all of them to settle before rejecting.
 * - Cleanup: a sink that returns without reading everything releases its branch (it no longer holds the
 *   others back); when every sink is done, the source is returned unless it had ended.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { fork, lines, toWritable } from 'genstream';
 *
 * const countLines = async (src: AsyncIterable<string>) => { let n = 0; for await (const _ of src) n++; return n; };
 * const firstLine = async (src: AsyncIterable<string>) => { for await (const line of src) return line; };
 * const [count, first] = await fork([countLines, firstLine])(['a', 'b', 'c']); // 3, 'a'
 * await pipeline(process.stdin, lines(), toWritable(fork([countLines, firstLine])));
 * ```
 */
export function fork<S extends ForkSink[]>(
  sinks: [...S],
  options?: TeeOptions,
): (source: AnyIterable<ForkInput<S>>) => Promise<ForkResults<S>> {
  if (!Array.isArray(sinks) || sinks.length === 0) fail('fork', '`sinks` to be a non-empty array of functions', sinks);
  for (let i = 0; i < sinks.length; i++) {
    if (typeof sinks[i] !== 'function') fail('fork', `\`sinks[${i}]\` to be a function`, sinks[i]);
  }
  const bufferSize = teeBufferSize('fork', options);
  const list = sinks.slice() as ForkSink<unknown>[];
  const run = (source: AnyIterable<ForkInput<S>>): Promise<ForkResults<S>> => {
    if (!isIterable(source)) fail('fork sink', '`source` to be an iterable or async iterable', source);
    return forkCore(list, bufferSize, source) as Promise<ForkResults<S>>;
  };
  Object.defineProperty(run, 'name', { value: 'fork' });
  return run;
}
