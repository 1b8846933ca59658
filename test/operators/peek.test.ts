import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { peek } from '../../lib/operators/peek.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

/** A counted async source: `pulled` items produced so far, `finallies` times its finally ran. */
function counted(count: number) {
  const state = { pulled: 0, finallies: 0 };
  async function* source() {
    try {
      for (let i = 0; i < count; i++) {
        state.pulled++;
        yield i;
      }
    } finally {
      state.finallies++;
    }
  }
  return { state, source: source() };
}

describe('peek', () => {
  it('returns no items and an empty stream for an empty source', async () => {
    const [head, rest] = await peek([], 3);
    expect(head).toEqual([]);
    expect(await toArray(rest)).toEqual([]);
  });

  it('returns the first item and a stream that still yields it, followed by the rest', async () => {
    const [head, rest] = await peek([1, 2, 3], 1);
    expect(head).toEqual([1]);
    expect(await toArray(rest)).toEqual([1, 2, 3]);
  });

  it('reads exactly n items ahead, then the rest only as it is consumed', async () => {
    const { state, source } = counted(10);
    const [head, rest] = await peek(source, 3);
    expect(head).toEqual([0, 1, 2]);
    expect(state.pulled).toBe(3);
    const seen: [number, number][] = [];
    for await (const x of rest) {
      seen.push([x, state.pulled]);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(state.finallies).toBe(1);
  });

  it('returns fewer items when the source is shorter, and n = 0 reads nothing', async () => {
    const [head, rest] = await peek([1, 2], 5);
    expect(head).toEqual([1, 2]);
    expect(await toArray(rest)).toEqual([1, 2]);
    const { state, source } = counted(3);
    const [none, all] = await peek(source, 0);
    expect(none).toEqual([]);
    expect(state.pulled).toBe(0);
    expect(await toArray(all)).toEqual([0, 1, 2]);
  });

  it('keeps the replayed items even if the returned array is changed', async () => {
    const [head, rest] = await peek(['a', 'b'], 2);
    head.length = 0;
    expect(await toArray(rest)).toEqual(['a', 'b']);
  });

  it('runs the source finally once when the consumer of the stream breaks early', async () => {
    const { state, source } = counted(10);
    const [, rest] = await peek(source, 2);
    for await (const _ of rest) break;
    expect(state.finallies).toBe(1);
  });

  it('returns the source when the stream is returned before it was read', async () => {
    const { state, source } = counted(10);
    const [, rest] = await peek(source, 2);
    await rest.return();
    expect(state.finallies).toBe(1);
    expect(await rest.next()).toEqual({ done: true, value: undefined });
    await rest.return();
    expect(state.finallies).toBe(1);
  });

  it('releases a Readable peeked with n = 0 when the stream is returned unread', async () => {
    const readable = Readable.from(['a', 'b']);
    const [, rest] = await peek(readable, 0);
    await rest.return();
    expect(readable.destroyed).toBe(true);
  });

  it('rejects with the source error (same object) when it fails while peeking', async () => {
    const boom = new TestError('boom');
    async function* source() {
      yield 1;
      throw boom;
    }
    await expect(peek(source(), 3)).rejects.toBe(boom);
  });

  it('throws a later source error from the stream, after the items before it', async () => {
    const boom = new TestError('boom');
    function* source() {
      yield 1;
      yield 2;
      throw boom;
    }
    const [head, rest] = await peek(source(), 1);
    expect(head).toEqual([1]);
    const seen: number[] = [];
    const err = await (async () => {
      for await (const x of rest) seen.push(x);
    })().catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(seen).toEqual([1, 2]);
  });

  it('gives a stream that works as a stream.pipeline source', async () => {
    const [head, rest] = await peek(['h', 'a', 'b'], 1);
    const out: string[] = [];
    await pipeline(rest, collect(out));
    expect(head).toEqual(['h']);
    expect(out).toEqual(['h', 'a', 'b']);
  });

  it('checks its arguments at call time', () => {
    expect(() => peek(42 as never, 1)).toThrow(GenstreamArgumentError);
    expect(() => peek([], -1)).toThrow('peek: expected `n` to be a non-negative integer, got `-1` (number)');
    expect(() => peek([], 1.5)).toThrow(GenstreamArgumentError);
  });
});
