import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { zip } from '../../lib/operators/zip.js';
import { collect, counted, stalled, TestError, tick, ticks, toArray, until, watchUnhandled } from '../helpers.js';
import { guard } from './harness.js';

watchUnhandled();

function tracked<T>(items: Iterable<T>, async = true) {
  const state = { pulled: 0, finallies: 0 };
  async function* asyncSource() {
    try {
      for (const item of items) {
        await tick();
        state.pulled++;
        yield item;
      }
    } finally {
      state.finallies++;
    }
  }
  function* syncSource() {
    try {
      for (const item of items) {
        state.pulled++;
        yield item;
      }
    } finally {
      state.finallies++;
    }
  }
  return { state, source: async ? asyncSource() : syncSource() };
}

function* naturals() {
  for (let i = 0; ; i++) yield i;
}

describe('zip', () => {
  it('yields nothing for no sources, or when one source is empty', async () => {
    expect(await toArray(zip())).toEqual([]);
    const other = tracked(naturals());
    expect(await toArray(zip([], other.source))).toEqual([]);
    expect(other.state.finallies).toBe(1);
  });

  it('yields 1-tuples for a single source', async () => {
    expect(await toArray(zip(['a']))).toEqual([['a']]);
  });

  it('pairs items until the shortest source ends, then returns the others', async () => {
    const long = tracked(naturals());
    const sync = tracked(naturals(), false);
    expect(await toArray(zip(['a', 'b', 'c'], long.source, sync.source))).toEqual([
      ['a', 0, 0],
      ['b', 1, 1],
      ['c', 2, 2],
    ]);
    expect(long.state.finallies).toBe(1);
    expect(sync.state.finallies).toBe(1);
    expect(long.state.pulled).toBe(4); // the unfinished round's item was read and dropped
  });

  it('does not return a source that ended by itself', async () => {
    const short = tracked([1]);
    const long = tracked([1, 2, 3]);
    await toArray(zip(short.source, long.source));
    expect(short.state.finallies).toBe(1);
    expect(long.state.finallies).toBe(1);
  });

  it('runs every source finally once when the consumer breaks early', async () => {
    const a = tracked(naturals());
    const b = tracked(naturals(), false);
    for await (const pair of zip(a.source, b.source)) {
      expect(pair).toEqual([0, 0]);
      break;
    }
    expect(a.state.finallies).toBe(1);
    expect(b.state.finallies).toBe(1);
  });

  it('passes a source error through as the same object and returns the other sources', async () => {
    const boom = new TestError('boom');
    const other = tracked(naturals());
    async function* failing() {
      yield 'x';
      await tick();
      throw boom;
    }
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const t of zip(failing(), other.source)) seen.push(t);
    })().catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(seen).toEqual([['x', 0]]);
    expect(other.state.finallies).toBe(1);
  });

  it('passes a sync source error through while async requests are in flight', async () => {
    const boom = new TestError('sync boom');
    let fail = true;
    const asyncFailing = (async function* () {
      await tick();
      if (fail) throw new TestError('second error, not reported');
      yield 0;
    })();
    function* failing(): Generator<number> {
      if (fail) throw boom;
      yield 0;
    }
    await expect(toArray(zip(asyncFailing, failing()))).rejects.toBe(boom);
    fail = false;
  });

  describe('an early exit while a source is in the middle of producing an item', () => {
    it('return() while a round waits resolves at once, returning the idle sources; the stuck one’s finally runs once, after its item', async () => {
      const stuck = stalled<string>(['s0'], 'late');
      const fast = counted();
      const it = zip(fast.source, stuck.source);
      expect((await it.next()).value).toEqual([0, 's0']);
      const pending = it.next(); // fast answers, stuck never does
      await ticks(3);
      await guard(it.return(), 2000, 'return() while a round waits');
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(stuck.state.resumed).toBe(false); // the deferred was never resolved: return() did not wait for it
      expect(stuck.state.finallies).toBe(0);
      expect(fast.state.finallies).toBe(1);
      stuck.gate.resolve();
      await until(() => stuck.state.finallies === 1);
      await ticks(5);
      expect(stuck.state.finallies).toBe(1);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    });

    it('destroys a Node stream source that waits for data, and ignores a stuck source that fails later', async () => {
      const silent = new Readable({ objectMode: true, read() {} }); // never pushes
      const stuck = stalled<number>();
      const it = zip(silent, stuck.source, [1, 2]);
      const pending = it.next();
      await ticks(3);
      await guard(it.return(), 2000, 'return() while a Readable source waits');
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(silent.destroyed).toBe(true);
      stuck.gate.reject(new TestError('fails after the consumer left'));
      await until(() => stuck.state.finallies === 1);
      await ticks(3);
      expect(silent.listenerCount('readable')).toBe(0);
    });
  });

  it('reads exactly one item per source per tuple, nothing ahead of the consumer', async () => {
    const a = tracked(naturals());
    const b = tracked(naturals(), false);
    let rounds = 0;
    for await (const _ of zip(a.source, b.source)) {
      rounds++;
      expect(a.state.pulled).toBe(rounds);
      expect(b.state.pulled).toBe(rounds);
      await tick();
      if (rounds === 10) break;
    }
  });

  it('works as a stream.pipeline source', async () => {
    const out: unknown[] = [];
    await pipeline(zip([1, 2], ['a', 'b']), collect(out));
    expect(out).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('checks its sources at call time', () => {
    expect(() => zip([1], {} as never)).toThrow(GenstreamArgumentError);
    expect(() => zip([1], {} as never)).toThrow('zip: expected `sources[1]` to be an iterable or async iterable, got an object (Object)');
  });
});
