import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { merge } from '../../lib/operators/merge.js';
import { collect, deferred, TestError, tick, toArray, watchUnhandled } from '../helpers.js';

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

  it('runs every source finally once when the consumer breaks early, before the break completes', async () => {
    const a = endless('a');
    const b = endless('b', false);
    let slowCleanupDone = false;
    async function* slow() {
      try {
        for (;;) {
          await tick();
          yield 'c';
        }
      } finally {
        await tick();
        slowCleanupDone = true;
      }
    }
    let n = 0;
    for await (const _ of merge(a.source, b.source, slow())) if (++n === 5) break;
    expect(a.state.finallies).toBe(1);
    expect(b.state.finallies).toBe(1);
    expect(slowCleanupDone).toBe(true);
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
