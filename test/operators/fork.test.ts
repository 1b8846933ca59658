import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { toWritable } from '../../lib/adapters/to-writable.js';
import { GenstreamArgumentError } from '../../lib/internal/errors.js';
import { fork } from '../../lib/operators/fork.js';
import { counted, settledError, stalled, TestError, tick, ticks, toArray, until, watchUnhandled } from '../helpers.js';
import { guard } from './harness.js';

watchUnhandled();


const count = async (src: AsyncIterable<unknown>): Promise<number> => {
  let n = 0;
  for await (const _ of src) n++;
  return n;
};
const sum = async (src: AsyncIterable<number>): Promise<number> => {
  let total = 0;
  for await (const x of src) total += x;
  return total;
};

describe('fork', () => {
  it('resolves with each sink result for an empty source', async () => {
    expect(await fork([count, toArray])([])).toEqual([0, []]);
  });

  it('sends one item to every sink', async () => {
    expect(await fork([count, toArray])(['x'])).toEqual([1, ['x']]);
  });

  it('sends every item to every sink and resolves with their results in order', async () => {
    const { state, source } = counted(100);
    const [n, total, all] = await fork([count, sum, toArray], { bufferSize: 3 })(source);
    expect(n).toBe(100);
    expect(total).toBe(4950);
    expect(all).toHaveLength(100);
    expect(state.produced).toBe(100);
    expect(state.completed).toBe(true);
  });

  it('lets the slowest sink set the pace', async () => {
    const { state, source } = counted(60);
    let slowConsumed = 0;
    let maxAhead = 0;
    const slow = async (src: AsyncIterable<number>) => {
      for await (const _ of src) {
        await tick();
        slowConsumed++;
      }
    };
    const fast = async (src: AsyncIterable<number>) => {
      for await (const _ of src) maxAhead = Math.max(maxAhead, state.produced - slowConsumed);
    };
    await fork([slow, fast], { bufferSize: 5 })(source);
    expect(slowConsumed).toBe(60);
    expect(maxAhead).toBeLessThanOrEqual(5 + 1);
  });

  it('does not let a sink that stops reading (or never reads) hold the others back', async () => {
    const { state, source } = counted(50);
    const firstOnly = async (src: AsyncIterable<number>) => {
      for await (const x of src) return x;
      return undefined;
    };
    const ignore = async () => 'ignored';
    expect(await fork([firstOnly, ignore, count], { bufferSize: 1 })(source)).toEqual([0, 'ignored', 50]);
    expect(state.completed).toBe(true);
  });

  it('returns the source (its finally runs) when every sink stops early', async () => {
    const { state, source } = counted();
    const firstOnly = async (src: AsyncIterable<number>) => {
      for await (const x of src) return x;
      return undefined;
    };
    expect(await fork([firstOnly, firstOnly])(source)).toEqual([0, 0]);
    expect(state.finallies).toBe(1);
    expect(state.completed).toBe(false);
  });

  it('rejects with the first sink error (same object), failing the other sinks with it, and returns the source', async () => {
    const boom = new TestError('sink failed');
    const { state, source } = counted();
    let otherSaw: unknown;
    const failing = async (src: AsyncIterable<number>) => {
      for await (const x of src) if (x === 3) throw boom;
    };
    const other = async (src: AsyncIterable<number>) => {
      try {
        for await (const _ of src);
      } catch (err) {
        otherSaw = err;
        throw err;
      }
    };
    await expect(fork([other, failing])(source)).rejects.toBe(boom);
    expect(otherSaw).toBe(boom);
    expect(state.finallies).toBe(1);
  });

  it('fails at once a sink waiting for a stuck source when another sink fails, and does not wait for the source', async () => {
    const err = new TestError('sink failed');
    const stuck = stalled([1], 2);
    let waiterSaw: unknown = undefined;
    const result = fork([
      async (src: AsyncIterable<number>) => {
        try {
          for await (const _ of src); // after item 1, waits for an item that does not come
        } catch (e) {
          waiterSaw = e;
          throw e;
        }
      },
      async (src: AsyncIterable<number>) => {
        for await (const _ of src) {
          await ticks(3); // let the other sink start waiting for the source
          throw err;
        }
      },
    ])(stuck.source);
    expect(await guard(result.then(...settledError), 2000, 'the fork result')).toBe(err);
    expect(waiterSaw).toBe(err);
    expect(stuck.state.finallies).toBe(0);
    stuck.gate.resolve();
    await until(() => stuck.state.finallies === 1);
  });

  it('passes a source error through as the same object, to every sink', async () => {
    const boom = new TestError('source failed');
    async function* failing() {
      yield 1;
      throw boom;
    }
    const seen: unknown[] = [];
    const sink = async (src: AsyncIterable<number>) => {
      try {
        for await (const _ of src);
      } catch (err) {
        seen.push(err);
        throw err;
      }
    };
    await expect(fork([sink, sink])(failing())).rejects.toBe(boom);
    expect(seen).toEqual([boom, boom]);
  });

  it('works as the sink of a stream.pipeline through toWritable', async () => {
    const results: unknown[] = [];
    const both = fork([count, sum]);
    await pipeline(
      Readable.from([1, 2, 3]),
      toWritable(async (source: AsyncIterable<number>) => {
        results.push(await both(source));
      }),
    );
    expect(results).toEqual([[3, 6]]);
    await pipeline(Readable.from([1, 2, 3]), toWritable(fork([count, sum])));
  });

  it('checks its arguments at call time', () => {
    expect(() => fork([] as never)).toThrow(GenstreamArgumentError);
    expect(() => fork([] as never)).toThrow('fork: expected `sinks` to be a non-empty array of functions, got an array (length 0)');
    expect(() => fork([count, 'x' as never])).toThrow('fork: expected `sinks[1]` to be a function, got `"x"` (string)');
    expect(() => fork([count], { bufferSize: -1 })).toThrow('fork: expected `options.bufferSize`');
    expect(() => fork([count])(3 as never)).toThrow('fork sink: expected `source` to be an iterable or async iterable');
  });
});
