import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { tee } from '../../lib/operators/tee.js';
import { collect, counted, stalled, TestError, ticks, toArray, until, watchUnhandled } from '../helpers.js';
import { guard } from './harness.js';

watchUnhandled();


/** Tracks whether a promise has settled. */
function track<T>(promise: Promise<T>) {
  const t = { settled: false, promise };
  void promise.then(
    () => (t.settled = true),
    () => (t.settled = true),
  );
  return t;
}

describe('tee', () => {
  it('gives empty branches for an empty source', async () => {
    const [a, b] = tee([], 2);
    expect(await Promise.all([toArray(a), toArray(b)])).toEqual([[], []]);
  });

  it('gives every branch the one item', async () => {
    const [a, b, c] = tee(['x'], 3);
    expect(await Promise.all([toArray(a), toArray(b), toArray(c)])).toEqual([['x'], ['x'], ['x']]);
  });

  it('gives every branch every item, in order, reading the source once', async () => {
    const { state, source } = counted(50);
    const branches = tee(source, 3, { bufferSize: 4 });
    const all = await Promise.all(branches.map((b) => toArray(b)));
    const expected = Array.from({ length: 50 }, (_, i) => i);
    expect(all).toEqual([expected, expected, expected]);
    expect(state.produced).toBe(50);
    expect(state.completed).toBe(true);
    expect(state.finallies).toBe(1);
  });

  it('works with one branch and with sync sources', async () => {
    const [only] = tee([1, 2], 1);
    expect(await toArray(only)).toEqual([1, 2]);
    function* gen() {
      yield* 'abc';
    }
    const [a, b] = tee(gen(), 2, { bufferSize: 1 });
    expect(await Promise.all([toArray(a), toArray(b)])).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
  });

  it('lets the fastest branch run at most bufferSize items ahead of the slowest', async () => {
    const { state, source } = counted();
    const [fast, slow] = tee(source, 2, { bufferSize: 4 });
    for (let i = 0; i < 4; i++) expect((await fast.next()).value).toBe(i);
    const blocked = track(fast.next());
    await ticks(5);
    expect(blocked.settled).toBe(false); // the buffer is full: fast waits for slow
    expect(state.produced).toBe(4);
    expect((await slow.next()).value).toBe(0);
    expect((await blocked.promise).value).toBe(4); // one slot freed, one more item read
    expect(state.produced).toBe(5);
    await Promise.all([fast.return(), slow.return()]);
    expect(state.finallies).toBe(1);
  });

  it('buffers 16 items by default', async () => {
    const { state, source } = counted();
    const [fast, slow] = tee(source, 2);
    for (let i = 0; i < 16; i++) await fast.next();
    const blocked = track(fast.next());
    await ticks(5);
    expect(blocked.settled).toBe(false);
    expect(state.produced).toBe(16);
    await slow.return();
    expect((await blocked.promise).value).toBe(16);
    await fast.return();
  });

  it('keeps items in memory only until every branch has taken them: slow and fast consumers', async () => {
    const { state, source } = counted(200);
    const [fast, slow] = tee(source, 2, { bufferSize: 8 });
    let slowConsumed = 0;
    let maxAhead = 0;
    const readFast = (async () => {
      for await (const _ of fast) maxAhead = Math.max(maxAhead, state.produced - slowConsumed);
    })();
    const readSlow = (async () => {
      for await (const _ of slow) {
        await ticks(1);
        slowConsumed++;
        maxAhead = Math.max(maxAhead, state.produced - slowConsumed);
      }
    })();
    await Promise.all([readFast, readSlow]);
    expect(slowConsumed).toBe(200);
    expect(maxAhead).toBeLessThanOrEqual(8 + 1); // the buffer, plus the item the slow consumer is holding
  });

  it('stops counting a branch that is returned, even before its first next()', async () => {
    const { state, source } = counted(100);
    const [a, b, c] = tee(source, 3, { bufferSize: 2 });
    await b.return();
    const first = await a.next();
    await a.return(); // returned after one item
    expect(first.value).toBe(0);
    expect(await toArray(c)).toHaveLength(100);
    expect(state.completed).toBe(true);
    expect(await b.next()).toEqual({ done: true, value: undefined });
  });

  it('wakes a branch waiting for space when the slowest branch breaks out', async () => {
    const { source } = counted(10);
    const [fast, slow] = tee(source, 2, { bufferSize: 1 });
    await fast.next();
    const blocked = track(fast.next());
    await ticks(3);
    expect(blocked.settled).toBe(false);
    for await (const _ of slow) break;
    expect((await blocked.promise).value).toBe(1);
    expect(await toArray(fast)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('returns the source only when every branch has stopped early', async () => {
    const { state, source } = counted();
    const [a, b] = tee(source, 2);
    for await (const _ of a) break;
    expect(state.finallies).toBe(0);
    for await (const _ of b) break;
    expect(state.finallies).toBe(1);
    expect(state.completed).toBe(false);
  });

  it('releases a source nobody read when every branch is returned', async () => {
    const readable = Readable.from(['a']);
    const [a, b] = tee(readable, 2);
    await a.return();
    await b.return();
    expect(readable.destroyed).toBe(true);
  });

  describe('an early exit while the source is in the middle of producing an item', () => {
    it('return() of a branch waiting for it resolves at once; the last one returns the source without waiting; its finally runs once after the item', async () => {
      const stuck = stalled(['s0'], 'late');
      const [a, b] = tee(stuck.source, 2);
      expect((await a.next()).value).toBe('s0');
      expect((await b.next()).value).toBe('s0');
      const pendingA = a.next(); // starts the pull the source never answers
      const pendingB = b.next(); // waits for that pull
      await ticks(3);
      await guard(a.return(), 2000, 'return() of a waiting branch');
      expect(await pendingA).toEqual({ done: true, value: undefined });
      expect(stuck.state.finallies).toBe(0); // b is still reading
      await guard(b.return(), 2000, 'return() of the last branch');
      expect(await pendingB).toEqual({ done: true, value: undefined });
      expect(stuck.state.resumed).toBe(false); // the deferred was never resolved: nobody waited for it
      expect(stuck.state.finallies).toBe(0);
      stuck.gate.resolve();
      await until(() => stuck.state.finallies === 1);
      await ticks(5);
      expect(stuck.state.finallies).toBe(1);
    });

    it('destroys a Node stream source that waits for data when every branch leaves, and ignores a later failure', async () => {
      const silent = new Readable({ objectMode: true, read() {} }); // never pushes
      const [a, b] = tee(silent, 2);
      const pending = [a.next(), b.next()];
      await ticks(3);
      await guard(Promise.all([a.return(), b.return()]), 2000, 'return() of both branches');
      expect(await Promise.all(pending)).toEqual([
        { done: true, value: undefined },
        { done: true, value: undefined },
      ]);
      expect(silent.destroyed).toBe(true);
      const stuck = stalled<number>();
      const [only] = tee(stuck.source, 1);
      const waiting = only.next();
      await ticks(3);
      await guard(only.return());
      await waiting;
      stuck.gate.reject(new TestError('fails after the consumer left'));
      await until(() => stuck.state.finallies === 1);
    });
  });

  it('gives the source error, as the same object, to every branch after the items before it', async () => {
    const boom = new TestError('boom');
    async function* failing() {
      yield 1;
      yield 2;
      throw boom;
    }
    const [a, b] = tee(failing(), 2);
    const read = async (branch: AsyncIterable<number>) => {
      const seen: number[] = [];
      try {
        for await (const x of branch) seen.push(x);
      } catch (err) {
        return { seen, err };
      }
      return { seen, err: undefined };
    };
    const [ra, rb] = await Promise.all([read(a), read(b)]);
    expect(ra).toEqual({ seen: [1, 2], err: boom });
    expect(rb.err).toBe(boom);
    expect(rb.seen).toEqual([1, 2]);
  });

  it('gives a sync source error to every branch', async () => {
    const boom = new TestError('sync boom');
    function* failing() {
      yield 1;
      throw boom;
    }
    const [a, b] = tee(failing(), 2);
    await expect(toArray(a)).rejects.toBe(boom);
    await expect(toArray(b)).rejects.toBe(boom);
  });

  it('serves concurrent next() calls on one branch in order', async () => {
    const [a] = tee([1, 2, 3], 1);
    const results = await Promise.all([a.next(), a.next(), a.next(), a.next()]);
    expect(results.map((r) => r.value)).toEqual([1, 2, 3, undefined]);
  });

  it('gives branches that work as stream.pipeline sources', async () => {
    const [a, b] = tee(Readable.from(['x', 'y', 'z']), 2, { bufferSize: 1 });
    const outA: string[] = [];
    const outB: string[] = [];
    await Promise.all([pipeline(a, collect(outA)), pipeline(b, collect(outB))]);
    expect(outA).toEqual(['x', 'y', 'z']);
    expect(outB).toEqual(['x', 'y', 'z']);
  });

  it('checks its arguments at call time', () => {
    expect(() => tee(1 as never, 2)).toThrow(GenstreamArgumentError);
    expect(() => tee([], 0)).toThrow('tee: expected `n` to be a positive integer, got `0` (number)');
    expect(() => tee([], 2, { bufferSize: 0 })).toThrow('tee: expected `options.bufferSize` to be a positive integer or Infinity, got `0` (number)');
    expect(tee([], 2, { bufferSize: Infinity })).toHaveLength(2);
  });
});
