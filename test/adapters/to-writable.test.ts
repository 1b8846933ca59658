import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { AlreadyUsedError, GenstreamArgumentError, InvalidChunkError, toReadable, toWritable, type StageContext } from '../../lib/index.js';
import {
  abortListeners,
  deferred,
  expectFinishAfterSink,
  Flow,
  TestError,
  tick,
  ticks,
  until,
  expectReuseRefused,
  watchUnhandled,
  settledError,
} from '../helpers.js';

watchUnhandled();

/** A sink whose `finally` is counted; it reads everything unless `stopAfter` is given. */
function countingSink<T>(stopAfter = Infinity) {
  const state = { got: [] as T[], finallies: 0, caught: [] as unknown[] };
  const sink = async (source: AsyncIterable<T>) => {
    try {
      for await (const x of source) {
        state.got.push(x);
        if (state.got.length >= stopAfter) return;
      }
    } catch (err) {
      state.caught.push(err);
      throw err;
    } finally {
      state.finallies++;
    }
  };
  return { state, sink };
}

describe('toWritable', () => {
  describe('data flow', () => {
    it('feeds every item to the sink in order and the pipeline resolves', async () => {
      const s = countingSink<number>();
      await pipeline(toReadable([1, 2, 3]), toWritable(s.sink));
      expect(s.state.got).toEqual([1, 2, 3]);
      expect(s.state.finallies).toBe(1);
    });

    it("fires 'finish' only after the sink's promise resolves (its last batch is saved)", async () => {
      await expectFinishAfterSink((sink) => toWritable(sink));
    });

    it("resolves the pipeline only after the sink's promise resolves", async () => {
      const saved = deferred();
      let loopDone = false;
      let resolved = false;
      const done = pipeline(
        toReadable([1, 2]),
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const _ of source);
          loopDone = true;
          await saved.promise;
        }),
      ).then(() => {
        resolved = true;
      });
      await until(() => loopDone);
      await ticks(5);
      expect(resolved).toBe(false);
      saved.resolve();
      await done;
      expect(resolved).toBe(true);
    });

    it("calls the sink with an empty source and fires 'finish' on end() without writes", async () => {
      const s = countingSink<number>();
      const w = toWritable(s.sink);
      const finished = new Promise<void>((resolve) => w.on('finish', resolve));
      w.end();
      await finished;
      expect(s.state.got).toEqual([]);
      expect(s.state.finallies).toBe(1);
    });

    it('keeps strings as strings and Buffers as Buffers in byte mode', async () => {
      const got: unknown[] = [];
      await pipeline(
        Readable.from(['a', Buffer.from('b')], { objectMode: true }),
        toWritable(
          async (source: AsyncIterable<string | Buffer>) => {
            for await (const c of source) got.push(c);
          },
          { objectMode: false },
        ),
      );
      expect(got).toEqual(['a', Buffer.from('b')]);
    });

    it('passes a signal that aborts, with the error, when the Writable is destroyed', async () => {
      let ctx: StageContext | undefined;
      const w = toWritable(async (source: AsyncIterable<number>, c: StageContext) => {
        ctx = c;
        for await (const _ of source);
      });
      w.on('error', () => {});
      w.write(1);
      expect(ctx?.signal.aborted).toBe(false);
      const err = new TestError('stop');
      w.destroy(err);
      expect(ctx?.signal.aborted).toBe(true);
      expect(ctx?.signal.reason).toBe(err);
    });
  });

  it('does not abort ctx.signal after the sink finished normally', async () => {
    let signal: AbortSignal | undefined;
    const w = toWritable(async (source: AsyncIterable<number>, ctx) => {
      signal = ctx.signal;
      for await (const _ of source);
    });
    await pipeline(toReadable([1, 2]), w);
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.destroyed).toBe(true);
    expect(signal?.aborted).toBe(false);
  });

  describe('backpressure', () => {
    it('keeps a fast producer into a slow sink bounded by the high-water marks', async () => {
      const hwm = 4;
      const flow = new Flow();
      await pipeline(
        toReadable(flow.source(300), { highWaterMark: hwm }),
        toWritable(flow.slowSink(), { highWaterMark: hwm }),
      );
      // The readable buffer (hwm), Node's write buffer (hwm, counting the write whose callback the
      // inbox holds) plus the inbox (hwm), the sink's item (1), the item being produced (1) = 14.
      expect(flow.consumed).toBe(300);
      expect(flow.peak).toBeLessThanOrEqual(3 * hwm + 2);
      expect(flow.peak).toBeGreaterThan(hwm);
    });

    it('keeps a foreign fast producer (Readable.from) bounded too', async () => {
      const hwm = 4;
      const flow = new Flow();
      await pipeline(
        Readable.from(flow.source(300)(), { highWaterMark: hwm }),
        toWritable(flow.slowSink(), { highWaterMark: hwm }),
      );
      // Same buffers as with toReadable; Readable.from may read one item ahead of its buffer: + 1.
      expect(flow.consumed).toBe(300);
      expect(flow.peak).toBeLessThanOrEqual(3 * hwm + 3);
    });

    it('makes write() return false once highWaterMark items wait for a sink that does not read', async () => {
      const hwm = 4;
      const gate = deferred();
      const w = toWritable(
        async (source: AsyncIterable<number>) => {
          await gate.promise;
          for await (const _ of source);
        },
        { highWaterMark: hwm },
      );
      let accepted = 0;
      for (let i = 0; i < 100; i++) {
        accepted++;
        if (!w.write(i)) break;
      }
      // The first write starts the sink through Node's path; the next ones go straight into the inbox,
      // which answers false once it holds hwm items.
      expect(accepted).toBe(hwm);
      const drained = new Promise<void>((resolve) => w.once('drain', resolve));
      gate.resolve();
      await drained;
      w.end();
      await new Promise<void>((resolve) => w.on('finish', resolve));
    });
  });

  describe('cleanup', () => {
    it("runs the upstream generator's finally once on normal end", async () => {
      const flow = new Flow();
      await pipeline(toReadable(flow.source(10)), toWritable(flow.slowSink()));
      expect(flow.consumed).toBe(10);
      expect(flow.finallies).toBe(1);
    });

    it('runs the sink finally once, with the same error, when the upstream fails', async () => {
      const err = new TestError('upstream');
      async function* failing() {
        yield 1;
        throw err;
      }
      const s = countingSink<number>();
      await expect(pipeline(toReadable(failing), toWritable(s.sink))).rejects.toBe(err);
      await until(() => s.state.finallies > 0);
      expect(s.state.finallies).toBe(1);
      expect(s.state.caught).toEqual([err]);
    });

    it('rejects its pending read and runs the sink finally once on destroy()', async () => {
      const s = countingSink<number>();
      const w = toWritable(s.sink);
      w.write(1);
      await until(() => s.state.got.length === 1);
      w.destroy();
      await until(() => s.state.finallies > 0);
      await ticks(2);
      expect(s.state.finallies).toBe(1);
      expect((s.state.caught[0] as Error).name).toBe('AbortError');
    });

    it('runs the sink finally when destroyed right after a first write (the sink starts on that write)', async () => {
      const s = countingSink<number>();
      const w = toWritable(s.sink);
      w.write(1);
      w.destroy();
      await until(() => s.state.finallies > 0);
      await ticks(2);
      expect(s.state.finallies).toBe(1);
    });

    it('runs the sink and source finally once and rejects with an AbortError when options.signal aborts', async () => {
      const ac = new AbortController();
      const flow = new Flow();
      let sinkFinallies = 0;
      const sink = toWritable(
        async (source: AsyncIterable<number>) => {
          try {
            for await (const _ of source) {
              await flow.consume();
              if (flow.consumed === 3) ac.abort();
            }
          } finally {
            sinkFinallies++;
          }
        },
        { signal: ac.signal },
      );
      const err = await pipeline(toReadable(flow.source()), sink).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      await until(() => sinkFinallies > 0 && flow.finallies > 0);
      await ticks(2);
      expect(sinkFinallies).toBe(1);
      expect(flow.finallies).toBe(1);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it('stops an infinite toReadable source when the sink returns after 5 items, and the pipeline resolves', async () => {
      const flow = new Flow();
      const s = countingSink<number>(5);
      await pipeline(toReadable(flow.source()), toWritable(s.sink));
      expect(s.state.got).toEqual([0, 1, 2, 3, 4]);
      expect(flow.finallies).toBe(1);
    });

    it('with a foreign finite upstream (Readable.from of 1000 items) and a sink that stops after 5: resolves, the rest is drained', async () => {
      let pulled = 0;
      const foreign = Readable.from(
        (function* () {
          for (let i = 0; i < 1000; i++) {
            pulled++;
            yield i;
          }
        })(),
      );
      const s = countingSink<number>(5);
      await pipeline(foreign, toWritable(s.sink));
      expect(s.state.got).toEqual([0, 1, 2, 3, 4]);
      expect(pulled).toBe(1000);
    });

    it("does not wait for a sink that never settles to emit 'close' on destroy()", async () => {
      const never = deferred();
      const w = toWritable(async (source: AsyncIterable<number>) => {
        for await (const _ of source) await never.promise;
      });
      w.write(1);
      await tick();
      const closed = new Promise<void>((resolve) => w.on('close', resolve));
      w.destroy();
      await closed;
      never.resolve();
    });
  });

  describe('errors', () => {
    it('rejects the pipeline with the same error the sink threw, exactly once, and the source finally runs', async () => {
      const err = new TestError('sink');
      const flow = new Flow();
      const w = toWritable(async (source: AsyncIterable<number>) => {
        for await (const x of source) if (x === 3) throw err;
      });
      const errors: unknown[] = [];
      w.on('error', (e) => errors.push(e));
      await expect(pipeline(toReadable(flow.source()), w)).rejects.toBe(err);
      await ticks(2);
      expect(errors).toEqual([err]);
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it('rejects with the same error when a non-async sink throws synchronously', async () => {
      const err = new TestError('sync');
      const sink = (): void => {
        throw err;
      };
      await expect(pipeline(toReadable([1]), toWritable(sink))).rejects.toBe(err);
    });

    it('rejects with the same error when the sink fails before reading anything', async () => {
      const err = new TestError('early');
      const sink = async (): Promise<void> => {
        await tick();
        throw err;
      };
      await expect(pipeline(toReadable([1, 2, 3]), toWritable(sink))).rejects.toBe(err);
    });
  });

  describe('bad input', () => {
    it('throws a TypeError naming `sink` at call time for a non-function', () => {
      const call = () => toWritable('not a sink' as never);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(GenstreamArgumentError);
      expect(call).toThrow('toWritable: expected `sink` to be a function, got `"not a sink"` (string)');
    });

    it('throws at call time for bad options, naming the option', () => {
      const sink = async () => {};
      expect(() => toWritable(sink, { highWaterMark: -2 })).toThrow('toWritable: expected `options.highWaterMark`');
      expect(() => toWritable(sink, { signal: 'abort' as never })).toThrow('`options.signal` to be an AbortSignal');
    });
  });
});

describe('toWritable at the edges', () => {
  it('fails with an InvalidChunkError when an object is piped into a byte-mode sink, and the process survives', async () => {
    const sink = toWritable(
      async (source: AsyncIterable<Buffer>) => {
        for await (const _ of source) void _;
      },
      { objectMode: false },
    );
    const err = await pipeline(toReadable([{ id: 1 }]), sink).then(...settledError);
    expect(err).toBeInstanceOf(InvalidChunkError);
    expect((err as Error).message).toMatch(/^toWritable was written an object \(Object\), but its writable side is a byte stream/);
  });

  it('fails a second pipeline into a finished sink with AlreadyUsedError instead of hanging', async () => {
    const out: number[] = [];
    const sink = toWritable(async (source: AsyncIterable<number>) => {
      for await (const x of source) out.push(x);
    });
    await pipeline(toReadable([1]), sink);
    const err = await pipeline(toReadable([2, 3]), sink).then(...settledError);
    expectReuseRefused(err, AlreadyUsedError);
    expect(out).toEqual([1]);
  });
});
