import { OwnedGenerator, openIterator, releaseUnstarted, type AnyIterator } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';
import { checkNonNegativeInt, fail, isIterable } from '../internal/validate.js';

/** Replays the peeked items, then continues with the source; returns the source on early exit. */
async function* replay<T>(head: readonly T[], it: AnyIterator<T>, sync: boolean, ended: boolean): AsyncGenerator<T, void, undefined> {
  let sourceDone = ended;
  let inSource = false;
  try {
    for (let i = 0; i < head.length; i++) yield head[i];
    while (!sourceDone) {
      inSource = true;
      const r = sync ? (it as Iterator<T>).next() : await it.next();
      inSource = false;
      if (r.done) sourceDone = true;
      else yield r.value;
    }
  } catch (err) {
    if (inSource) sourceDone = true; // the source threw: it is finished, do not return it
    throw err;
  } finally {
    if (!sourceDone && typeof it.return === 'function') await it.return();
  }
}

async function peekCore<T>(source: AnyIterable<T>, n: number): Promise<[T[], AsyncGenerator<T, void, undefined>]> {
  const { it, sync } = openIterator(source);
  const head: T[] = [];
  let ended = false;
  while (head.length < n) {
    // A source error rejects peek(); the source threw, so it is finished and not returned.
    const r = sync ? (it as Iterator<T>).next() : await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
  }
  let closed = false;
  const rest = new OwnedGenerator(replay(head.slice(), it, sync, ended), async (started) => {
    // Returned before its first next(): the replay's finally never runs, so return the source here.
    if (started || closed || ended) return;
    closed = true;
    if (head.length === 0) await releaseUnstarted(source, it); // n = 0: the source was never advanced
    else if (typeof it.return === 'function') await it.return();
  });
  return [head, rest];
}

/**
 * Reads the first `n` items of a source and resolves with them AND with a stream that still yields
 * them, followed by the rest: look at the head of a stream (sniff a format, log a sample, read a CSV
 * header) without losing items — the pitfall of debugging with `islice`, solved. Fewer than `n` items
 * come back if the source ends first.
 *
 * - Backpressure: reads exactly `min(n, length)` items ahead; the rest is read only as the returned
 *   stream is consumed.
 * - Errors: a source error while peeking rejects the promise with the same object; later errors come
 *   out of the returned stream.
 * - Cleanup: returning the stream (`break`, `return()`, even before reading it) returns the source, so
 *   its `finally` runs. Consume or return the stream, or the source stays open.
 *
 * @example
 * ```ts
 * import { peek } from 'genstream';
 *
 * async function* readRows() { yield { id: 1, name: 'a' }; yield { id: 2, name: 'b' }; }
 * const [[first], rows] = await peek(readRows(), 1);
 * console.log('columns:', Object.keys(first ?? {})); // columns: ['id', 'name']
 * for await (const row of rows) console.log(row.id); // 1, 2: includes `first`
 * ```
 */
export function peek<T>(source: AnyIterable<T>, n: number): Promise<[T[], AsyncGenerator<T, void, undefined>]> {
  if (!isIterable(source)) fail('peek', '`source` to be an iterable or async iterable', source);
  checkNonNegativeInt('peek', 'n', n);
  return peekCore(source, n);
}
