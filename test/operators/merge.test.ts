import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { pipe } from '../../lib/chain/chain.js';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { merge } from '../../lib/operators/merge.js';
import { take } from '../../lib/operators/take.js';
import { collect, counted, deferred, stalled, TestError, tick, ticks, toArray, until, watchUnhandled } from '../helpers.js';
import { guard } from './harness.js';

watchUnhandled();

/** An endless counted source, async (a macrotask between items) or sync. */
function endless(name: string, async = true) {
  const state = { produced: 0, finallies: 0 };
  async function* asyncSource() {
    try {
      for (;;) {
        await tick();
        state.produced++;
        yield `${name}${state.produced}`;
      }
    } finally {
      state.finallies++;
    }
  }
  function* syncSource() {
    try {
      for (;;) {
        state.produced++;
        yield `${name}${state.produced}`;
      }
    } finally {
      state.finallies++;
    }
  }
  return { state, source: async ? asyncSource() : syncSource() };
}

describe('merge', () => {
  it('yields nothing for no sources or only empty ones', async () => {
    expect(await toArray(merge())).toEqual([]);
    expect(await toArray(merge([], (async function* () {})()))).toEqual([]);
  });

  it('yields the items of a single source in order', async () => {
    expect(await toArray(merge([1]))).toEqual([1]);
    expect(await toArray(merge([1, 2, 3]))).toEqual([1, 2, 3]);
  });

  it('interleaves items in the order they arrive', async () => {
    const gateA = deferred();
    const gateB = deferred();
    async function* a() {
      await gateA.promise;
      yield 'a';
    }
    async function* b() {
      yield 'b0';
      await gateB.promise;
      yield 'b1';
    }
    const it = merge(a(), b());
    expect(await it.next()).toEqual({ done: false, value: 'b0' });
    const pending = it.next();
    gateA.resolve();
    expect(await pending).toEqual({ done: false, value: 'a' });
    const pending2 = it.next();
    gateB.resolve();
    expect(await pending2).toEqual({ done: false, value: 'b1' });
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('merges sync and async sources, keeping each source in order', async () => {
    async function* letters() {
      for (const c of 'abc') {
        await tick();
        yield c;
      }
    }
    const out = await toArray(merge([1, 2, 3], letters(), new Set([true])));
    expect(out).toHaveLength(7);
    expect(out.filter((x) => typeof x === 'number')).toEqual([1, 2, 3]);
    expect(out.filter((x) => typeof x === 'string')).toEqual(['a', 'b', 'c']);
    expect(out).toContain(true);
  });

  it('returns every source once when the consumer breaks early: idle ones before the break completes, busy ones after their item', async () => {
    const a = endless('a');
    const b = endless('b', false);
    let slowCleanups = 0;
    async function* slow() {
      try {
        for (;;) {
          await tick();
          yield 'c';
        }
      } finally {
        await tick();
        slowCleanups++;
      }
    }
    let n = 0;
    for await (const _ of merge(a.source, b.source, slow())) if (++n === 5) break;
    // b (sync) was idle: cleaned up already. a and slow were producing an item: not waited for.
    expect(b.state.finallies).toBe(1);
    await until(() => a.state.finallies === 1 && slowCleanups === 1);
    await ticks(5);
    expect([a.state.finallies, b.state.finallies, slowCleanups]).toEqual([1, 1, 1]);
  });

  describe('an early exit while a source is in the middle of producing an item', () => {
    it('return() resolves without waiting for that item; the source finally runs once when the item comes', async () => {
      const stuck = stalled<string>([], 'late');
      const fast = counted(Infinity);
      const it = merge(stuck.source, fast.source);
      expect((await it.next()).value).toBe(0);
      expect((await it.next()).value).toBe(1);
      expect(await guard(it.return(), 2000, 'return() while a source is stuck')).toEqual({ done: true, value: undefined });
      // The deferred was never resolved: return() did not wait for it.
      expect(stuck.state.resumed).toBe(false);
      expect(stuck.state.finallies).toBe(0);
      expect(fast.state.finallies).toBe(1); // the idle source was waited for
      stuck.gate.resolve();
      await until(() => stuck.state.finallies === 1);
      await ticks(5);
      expect(stuck.state.finallies).toBe(1);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    });

    it('return() resolves while next() waits for every source, and that next() resolves done', async () => {
      const one = stalled<number>();
      const two = stalled<number>();
      const it = merge(one.source, two.source);
      const pending = it.next();
      await ticks(3);
      await guard(it.return(), 2000, 'return() while next() waits');
      expect(await pending).toEqual({ done: true, value: undefined });
      one.gate.resolve();
      two.gate.reject(new TestError('late failure, nobody is listening'));
      await until(() => one.state.finallies === 1 && two.state.finallies === 1);
    });

    it('stops at a downstream take() without waiting, and a stuck Node stream source is destroyed at once', async () => {
      const stuck = stalled<number>();
      expect(await guard(toArray(pipe(merge([1, 2, 3], stuck.source), take(2))))).toEqual([1, 2]);
      stuck.gate.resolve();
      await until(() => stuck.state.finallies === 1);

      const silent = new Readable({ objectMode: true, read() {} }); // never pushes
      const it = merge(silent, ['x']);
      expect((await it.next()).value).toBe('x');
      await guard(it.return(), 2000, 'return() while a Readable source waits');
      expect(silent.destroyed).toBe(true);
      await ticks(3);
      expect(silent.listenerCount('readable')).toBe(0);
    });

    it('swallows a later rejection of the source’s return() (no unhandled rejection)', async () => {
      const gate = deferred<void>();
      let finallies = 0;
      async function* failsOnCleanup() {
        try {
          await gate.promise;
          yield 1;
        } finally {
          finallies++;
          // eslint-disable-next-line no-unsafe-finally
          throw new TestError('cleanup failed after the consumer left');
        }
      }
      const it = merge(failsOnCleanup(), ['a']);
      expect((await it.next()).value).toBe('a');
      await guard(it.return());
      gate.resolve();
      await until(() => finallies === 1);
    });
  });

  it('throws a source error once, as the same object, after returning the other sources', async () => {
    const boom = new TestError('boom');
    const other = endless('x');
    let failingFinallies = 0;
    async function* failing() {
      try {
        await tick();
        yield 'f';
        throw boom;
      } finally {
        failingFinallies++;
      }
    }
    const it = merge(other.source, failing());
    const err = await (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return undefined;
      }
    })().catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(other.state.finallies).toBe(1);
    expect(failingFinallies).toBe(1);
    expect(await it.next()).toEqual({ done: true, value: undefined }); // thrown once
  });

  it('passes a sync source error through and returns the others', async () => {
    const boom = new TestError('sync boom');
    const other = endless('x');
    function* failing() {
      yield 1;
      throw boom;
    }
    await expect(toArray(merge(other.source, failing()))).rejects.toBe(boom);
    expect(other.state.finallies).toBe(1);
  });

  it('reads at most one item per source ahead of a slow consumer', async () => {
    const fastAsync = endless('a');
    const fastSync = endless('s', false);
    const consumed: Record<string, number> = { a: 0, s: 0 };
    let maxAhead = 0;
    let n = 0;
    for await (const item of merge(fastAsync.source, fastSync.source)) {
      consumed[item[0]]++;
      maxAhead = Math.max(maxAhead, fastAsync.state.produced - consumed.a, fastSync.state.produced - consumed.s);
      for (let i = 0; i < 3; i++) await tick(); // a slow consumer
      if (++n === 40) break;
    }
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(fastAsync.state.produced - consumed.a).toBeLessThanOrEqual(1);
    expect(fastSync.state.produced - consumed.s).toBeLessThanOrEqual(1);
    expect(consumed.a).toBeGreaterThan(0); // the async source is not starved by the sync one
  });

  it('works as a stream.pipeline source', async () => {
    const out: unknown[] = [];
    async function* b() {
      yield 'b';
    }
    await pipeline(merge([1, 2], b()), collect(out));
    expect(out.sort()).toEqual([1, 2, 'b']);
  });

  it('checks its sources at call time', () => {
    expect(() => merge([1], 5 as never)).toThrow(GenstreamArgumentError);
    expect(() => merge([1], 5 as never)).toThrow('merge: expected `sources[1]` to be an iterable or async iterable, got `5` (number)');
  });
});
