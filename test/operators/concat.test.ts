import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { concat } from '../../lib/operators/concat.js';
import { collect, TestError, toArray, watchUnhandled } from '../helpers.js';

watchUnhandled();

function tracked<T>(items: T[]) {
  const state = { started: false, pulled: 0, finallies: 0 };
  async function* source() {
    state.started = true;
    try {
      for (const item of items) {
        state.pulled++;
        yield item;
      }
    } finally {
      state.finallies++;
    }
  }
  return { state, source: source() };
}

describe('concat', () => {
  it('yields nothing for no sources or only empty ones', async () => {
    expect(await toArray(concat())).toEqual([]);
    expect(await toArray(concat([], new Set()))).toEqual([]);
  });

  it('yields the items of a single source', async () => {
    expect(await toArray(concat(['x']))).toEqual(['x']);
  });

  it('yields each source in turn, sync and async', async () => {
    const b = tracked([3, 4]);
    expect(await toArray(concat([1, 2], b.source, 'ab'))).toEqual([1, 2, 3, 4, 'a', 'b']);
  });

  it('starts a source only when the previous one has ended, and reads nothing ahead', async () => {
    const a = tracked([1, 2]);
    const b = tracked([3]);
    const seen: [number, number, boolean][] = [];
    for await (const x of concat(a.source, b.source)) seen.push([x, a.state.pulled, b.state.started]);
    expect(seen).toEqual([
      [1, 1, false],
      [2, 2, false],
      [3, 2, true],
    ]);
  });

  it('on early exit runs the current source finally and releases the sources not started', async () => {
    const a = tracked([1, 2, 3]);
    const b = tracked([4]);
    const readable = Readable.from(['r']);
    for await (const _ of concat(a.source, b.source, readable)) break;
    expect(a.state.finallies).toBe(1);
    expect(b.state.started).toBe(false); // a never-started generator has nothing to clean up…
    expect(await b.source.next()).toEqual({ done: true, value: undefined }); // …but it is closed
    expect(readable.destroyed).toBe(true);
  });

  it('passes a source error through as the same object and releases the later sources', async () => {
    const boom = new TestError('boom');
    async function* failing() {
      yield 1;
      throw boom;
    }
    const readable = Readable.from(['r']);
    await expect(toArray(concat(failing(), readable))).rejects.toBe(boom);
    expect(readable.destroyed).toBe(true);
  });

  it('works as a stream.pipeline source', async () => {
    const out: unknown[] = [];
    await pipeline(concat(['a'], Readable.from(['b', 'c'])), collect(out));
    expect(out).toEqual(['a', 'b', 'c']);
  });

  it('checks its sources at call time', () => {
    expect(() => concat([], null as never)).toThrow(GenstreamArgumentError);
    expect(() => concat([], null as never)).toThrow('concat: expected `sources[1]` to be an iterable or async iterable, got `null`');
  });
});
