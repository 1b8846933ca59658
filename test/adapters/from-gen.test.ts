import { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  AlreadyUsedError,
  fromGen,
  GenstreamArgumentError,
  GenstreamError,
  InvalidChunkError,
  NotIterableError,
  NullValueError,
  toReadable,
  toWritable,
  type StageContext,
} from '../../lib/index.js';
import {
  abortListeners,
  collect,
  deferred,
  expectReuseRefused,
  Flow,
  take,
  TestError,
  tick,
  ticks,
  toArray,
  until,
  watchUnhandled,
  settledError,
} from '../helpers.js';

watchUnhandled();

/** An identity stage that counts what it reads and how often its `finally` runs. */
function countingStage<T>() {
  const state = { seen: 0, finallies: 0 };
  const stage = async function* counting(source: AsyncIterable<T>) {
    try {
      for await (const x of source) {
        state.seen++;
        yield x;
      }
    } finally {
      state.finallies++;
    }
  };
  return { state, stage };
}

describe('fromGen', () => {
  describe('data flow', () => {
    it('maps items and emits what the generator yields after its loop before the end', async () => {
      const out: number[] = [];
      await pipeline(
        toReadable([1, 2, 3]),
        fromGen(async function* (source: AsyncIterable<number>) {
          for await (const x of source) yield x * 2;
          yield 100;
        }),
        collect(out),
      );
      expect(out).toEqual([2, 4, 6, 100]);
    });

    it("emits the flush (the items yielded after the loop) before 'end' when used with .pipe()", async () => {
      const events: string[] = [];
      const d = fromGen(async function* batches(source: AsyncIterable<number>) {
        let batch: number[] = [];
        for await (const x of source) {
          batch.push(x);
          if (batch.length === 2) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch; // the last partial batch
      });
      d.on('data', (b: number[]) => events.push(`data ${b.join(',')}`));
      const ended = new Promise<void>((resolve) => d.on('end', resolve));
      d.on('end', () => events.push('end'));
      toReadable([1, 2, 3, 4, 5]).pipe(d);
      await ended;
      expect(events).toEqual(['data 1,2', 'data 3,4', 'data 5', 'end']);
    });

    it("ends the generator's source when end() is called on the Duplex", async () => {
      let sawEnd = false;
      const d = fromGen(async function* sum(source: AsyncIterable<number>) {
        let total = 0;
        for await (const x of source) total += x;
        sawEnd = true;
        yield total;
      });
      d.write(1);
      d.write(2);
      d.end(3);
      expect(await toArray(d)).toEqual([6]);
      expect(sawEnd).toBe(true);
      expect(d.writableFinished).toBe(true);
    });

    it("reaches 'finish' on end() without writes before anyone reads, with the flush waiting to be read", async () => {
      let finallies = 0;
      const d = fromGen(async function* flushOnly(source: AsyncIterable<number>) {
        try {
          for await (const _ of source);
          yield 'flush';
        } finally {
          finallies++;
        }
      });
      const finished = new Promise<void>((resolve) => d.on('finish', resolve));
      d.end();
      await finished; // like a Transform: the end is processed even though nobody reads yet
      expect(await toArray(d)).toEqual(['flush']);
      expect(finallies).toBe(1);
    });

    it('accepts a stage that returns a sync iterable', async () => {
      const out: string[] = [];
      await pipeline(toReadable(['x']), fromGen(() => ['a', 'b', 'c']), collect(out));
      expect(out).toEqual(['a', 'b', 'c']);
    });

    it('carries bytes in and strings out in byte mode with an encoding', async () => {
      const out: string[] = [];
      await pipeline(
        toReadable(['ab', 'cd'], { objectMode: false }),
        fromGen(
          async function* upper(source: AsyncIterable<Buffer>) {
            for await (const b of source) {
              expect(Buffer.isBuffer(b)).toBe(true);
              yield b.toString('utf8').toUpperCase();
            }
          },
          { objectMode: false, encoding: 'utf8' },
        ),
        collect(out),
      );
      expect(out.every((s) => typeof s === 'string')).toBe(true);
      expect(out.join('')).toBe('ABCD');
    });

    it('turns bytes into objects with writableObjectMode: false', async () => {
      const out: string[] = [];
      await pipeline(
        toReadable(['a\nb', 'c\nd\n'], { objectMode: false }),
        fromGen(
          async function* lines(source: AsyncIterable<Buffer>) {
            let rest = '';
            for await (const b of source) {
              const parts = (rest + b.toString()).split('\n');
              rest = parts.pop() as string;
              yield* parts;
            }
            if (rest) yield rest;
          },
          { writableObjectMode: false },
        ),
        collect(out),
      );
      expect(out).toEqual(['a', 'bc', 'd']);
    });

    it('passes a signal that aborts, with the error, when the Duplex is destroyed', async () => {
      let ctx: StageContext | undefined;
      const d = fromGen(async function* (source: AsyncIterable<number>, c: StageContext) {
        ctx = c;
        for await (const x of source) yield x;
      });
      d.on('error', () => {});
      d.write(1);
      await until(() => ctx !== undefined);
      expect(ctx?.signal.aborted).toBe(false);
      const err = new TestError('stop');
      d.destroy(err);
      expect(ctx?.signal.aborted).toBe(true);
      expect(ctx?.signal.reason).toBe(err);
    });
  });

  it('does not abort ctx.signal when the stage runs to its end (only destroy or abort does)', async () => {
    let signal: AbortSignal | undefined;
    const duplex = fromGen(async function* (source: AsyncIterable<number>, ctx: StageContext) {
      signal = ctx.signal;
      for await (const n of source) yield n;
    });
    const out: number[] = [];
    await pipeline(toReadable([1, 2]), duplex, collect(out));
    await tick(); // the auto-destroy after a normal end has run
    expect(duplex.destroyed).toBe(true);
    expect(out).toEqual([1, 2]);
    expect(signal?.aborted).toBe(false);
  });

  it('runs a fusable operator without a generator, with the same early-exit behaviour', async () => {
    const { take: takeOp, map: mapOp } = await import('../../lib/index.js');
    const { FusedDuplex } = await import('../../lib/internal/fused-duplex.js');
    const flow = new Flow();
    const out: number[] = [];
    const first = fromGen(mapOp((n: number) => n * 2));
    expect(first).toBeInstanceOf(FusedDuplex);
    await pipeline(toReadable(flow.source()), first, fromGen(takeOp(3)), collect(out));
    expect(out).toEqual([0, 2, 4]);
    expect(flow.finallies).toBe(1);
  });

  describe('backpressure', () => {
    it('keeps the items in flight bounded by the high-water marks with a slow consumer', async () => {
      const hwm = 4;
      const flow = new Flow();
      const stage = countingStage<number>();
      await pipeline(
        toReadable(flow.source(), { highWaterMark: hwm }),
        fromGen(stage.stage, { highWaterMark: hwm }),
        toWritable(flow.slowSink(300), { highWaterMark: hwm }),
      );
      // Produced but not consumed can only sit in: the source's readable buffer (hwm); fromGen's
      // writable side, i.e. Node's write buffer (hwm, counting the write whose callback the inbox holds;
      // empty while writes take the fast path) plus the inbox (hwm); the stage's hand (1); fromGen's
      // readable buffer (hwm); toWritable's writable side (2·hwm); the sink's hand (1); the item being
      // produced (1): 6·hwm + 3 = 27.
      expect(flow.peak).toBeLessThanOrEqual(6 * hwm + 3);
      expect(flow.peak).toBeGreaterThan(hwm); // the buffers did fill: the producer is the fast side
      expect(flow.consumed).toBe(300);
      expect(flow.produced - flow.consumed).toBeLessThanOrEqual(6 * hwm + 3);
      expect(flow.finallies).toBe(1);
      expect(stage.state.finallies).toBe(1);
    });

    it('reads only a bounded number of items ahead of a reader that never reads', async () => {
      const hwm = 4;
      const stage = countingStage<number>();
      const d = fromGen(stage.stage, { highWaterMark: hwm });
      let accepted = 0;
      for (let i = 0; i < 1000; i++) {
        accepted++;
        if (!d.write(i)) break;
      }
      await ticks(5);
      // write() says "stop" once the inbox holds hwm items (the stage took the first one at once; a
      // write while Node's buffer holds chunks could add up to hwm more there: at most 2·hwm), and the
      // stage, which runs like a Transform processing writes, stops once the readable buffer holds hwm.
      expect(accepted).toBeLessThanOrEqual(2 * hwm);
      expect(stage.state.seen).toBeLessThanOrEqual(hwm);
      expect(d.readableLength).toBeLessThanOrEqual(hwm);
      d.destroy();
      await until(() => stage.state.finallies === 1);
    });
  });

  describe('cleanup', () => {
    it('runs the stage finally exactly once on normal end', async () => {
      const stage = countingStage<number>();
      const out: number[] = [];
      await pipeline(toReadable([1, 2, 3]), fromGen(stage.stage), collect(out));
      expect(out).toEqual([1, 2, 3]);
      expect(stage.state.finallies).toBe(1);
    });

    it('runs the stage finally once when the upstream source throws', async () => {
      const err = new TestError('upstream');
      const stage = countingStage<number>();
      const source = async function* () {
        yield 1;
        yield 2;
        throw err;
      };
      await expect(pipeline(toReadable(source), fromGen(stage.stage), collect([]))).rejects.toBe(err);
      await until(() => stage.state.finallies > 0);
      expect(stage.state.finallies).toBe(1);
    });

    it('runs the stage and source finally once when the downstream sink throws', async () => {
      const err = new TestError('downstream');
      const flow = new Flow();
      const stage = countingStage<number>();
      const sink = toWritable(async (source: AsyncIterable<number>) => {
        for await (const x of source) if (x === 3) throw err;
      });
      await expect(pipeline(toReadable(flow.source()), fromGen(stage.stage), sink)).rejects.toBe(err);
      await until(() => stage.state.finallies > 0 && flow.finallies > 0);
      expect(stage.state.finallies).toBe(1);
      expect(flow.finallies).toBe(1);
    });

    it('runs the stage finally once on destroy() in the middle of the stream', async () => {
      const flow = new Flow();
      const stage = countingStage<number>();
      const d = fromGen(stage.stage, { highWaterMark: 2 });
      const source = toReadable(flow.source());
      // Nobody reads `d`: backpressure holds the infinite source (a consumer that never waits on a
      // macrotask would starve the event loop, as with any microtask-only stream).
      source.pipe(d);
      await until(() => stage.state.seen >= 2);
      expect(d.read()).toBe(0);
      await until(() => stage.state.seen >= 3);
      d.destroy();
      await until(() => stage.state.finallies > 0);
      source.destroy();
      await until(() => flow.finallies > 0);
      await ticks(2);
      expect(stage.state.finallies).toBe(1);
      expect(flow.finallies).toBe(1);
    });

    it('runs the stage finally when destroyed right after a first write (the stage starts on that write)', async () => {
      const stage = countingStage<number>();
      const d = fromGen(stage.stage);
      d.write(1);
      d.destroy();
      await until(() => stage.state.finallies > 0);
      await ticks(2);
      expect(stage.state.seen).toBe(1);
      expect(stage.state.finallies).toBe(1);
    });

    it('runs the stage finally when destroyed one tick after a first write, nobody reading', async () => {
      const stage = countingStage<number>();
      const d = fromGen(stage.stage);
      d.write(1);
      await tick();
      d.destroy();
      await until(() => stage.state.finallies > 0);
      expect(stage.state.finallies).toBe(1);
    });

    it('runs the stage finally when aborted by options.signal right after a first write', async () => {
      const ac = new AbortController();
      const stage = countingStage<number>();
      const d = fromGen(stage.stage, { signal: ac.signal });
      const errors: unknown[] = [];
      d.on('error', (e) => errors.push(e));
      d.write(1);
      ac.abort();
      await until(() => stage.state.finallies > 0);
      await ticks(2);
      expect(stage.state.finallies).toBe(1);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).name).toBe('AbortError');
    });

    it('runs every finally once and rejects with an AbortError when options.signal aborts a pipeline', async () => {
      const ac = new AbortController();
      const flow = new Flow();
      const stage = countingStage<number>();
      const sink = toWritable(async (source: AsyncIterable<number>) => {
        for await (const _ of source) {
          await flow.consume();
          if (flow.consumed === 3) ac.abort();
        }
      });
      const err = await pipeline(toReadable(flow.source()), fromGen(stage.stage, { signal: ac.signal }), sink).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      await until(() => stage.state.finallies > 0 && flow.finallies > 0);
      await ticks(2);
      expect(stage.state.finallies).toBe(1);
      expect(flow.finallies).toBe(1);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it('stops an infinite toReadable source when a downstream take(5) stops early, and the pipeline resolves', async () => {
      const flow = new Flow();
      const out: number[] = [];
      await pipeline(toReadable(flow.source()), fromGen(take<number>(5)), collect(out));
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(flow.finallies).toBe(1);
    });

    it('stops an infinite source through two chained fromGen stages when the lower one stops early', async () => {
      const flow = new Flow();
      const upper = countingStage<number>();
      const lower = { finallies: 0 };
      const out: number[] = [];
      await pipeline(
        toReadable(flow.source()),
        fromGen(upper.stage),
        fromGen(async function* (source: AsyncIterable<number>) {
          try {
            yield* take<number>(5)(source);
          } finally {
            lower.finallies++;
          }
        }),
        collect(out),
      );
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(flow.finallies).toBe(1);
      expect(upper.state.finallies).toBe(1);
      expect(lower.finallies).toBe(1);
    });

    it('stops an infinite source when the toWritable sink below returns after 5 items, and the pipeline resolves', async () => {
      const flow = new Flow();
      const stage = countingStage<number>();
      const got: number[] = [];
      const sink = toWritable(async (source: AsyncIterable<number>) => {
        for await (const x of source) {
          got.push(x);
          if (got.length === 5) return;
        }
      });
      await pipeline(toReadable(flow.source()), fromGen(stage.stage), sink);
      expect(got).toEqual([0, 1, 2, 3, 4]);
      expect(flow.finallies).toBe(1);
      expect(stage.state.finallies).toBe(1);
    });

    it('with a foreign finite upstream (Readable.from of 1000 items) and take(5): resolves with 5 items, the rest is drained', async () => {
      let pulled = 0;
      const foreign = Readable.from(
        (function* () {
          for (let i = 0; i < 1000; i++) {
            pulled++;
            yield i;
          }
        })(),
      );
      const out: number[] = [];
      await pipeline(foreign, fromGen(take<number>(5)), collect(out));
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(pulled).toBe(1000); // a foreign upstream cannot be asked to stop: it is read to its end
    });
  });

  describe('errors', () => {
    it('rejects the pipeline with the same error object the stage threw, exactly once', async () => {
      const err = new TestError('stage failed');
      const flow = new Flow();
      const d = fromGen(async function* failing(source: AsyncIterable<number>) {
        for await (const x of source) {
          if (x === 3) throw err;
          yield x;
        }
      });
      const errors: unknown[] = [];
      d.on('error', (e) => errors.push(e));
      await expect(pipeline(toReadable(flow.source()), d, collect([]))).rejects.toBe(err);
      await ticks(2);
      expect(errors).toEqual([err]);
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it('rejects with the same error when the stage function throws before returning a generator', async () => {
      const err = new TestError('sync throw');
      const stage = (): AsyncIterable<number> => {
        throw err;
      };
      await expect(pipeline(toReadable([1]), fromGen(stage), collect([]))).rejects.toBe(err);
    });

    it('leaves no listener on options.signal after the pipeline completes or fails', async () => {
      const ac = new AbortController();
      await pipeline(toReadable([1, 2]), fromGen(take<number>(5), { signal: ac.signal }), collect([]));
      expect(abortListeners(ac.signal)).toBe(0);
      const err = new TestError('x');
      const failing = fromGen(
        // eslint-disable-next-line require-yield
        async function* (source: AsyncIterable<number>) {
          for await (const _ of source) throw err;
        },
        { signal: ac.signal },
      );
      await expect(pipeline(toReadable([1]), failing, collect([]))).rejects.toBe(err);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it('fails with a NullValueError naming the stage when it yields null in object mode, and runs its finally', async () => {
      let finallies = 0;
      const out: number[] = [];
      const err = await pipeline(
        toReadable([1, 2]),
        fromGen(async function* nulls(source: AsyncIterable<number>) {
          try {
            for await (const x of source) yield x === 2 ? null : x;
          } finally {
            finallies++;
          }
        }),
        collect(out),
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NullValueError);
      expect(err).toBeInstanceOf(GenstreamError);
      expect((err as NullValueError).code).toBe('ERR_GENSTREAM_NULL_VALUE');
      expect((err as Error).message).toContain('fromGen: stage "nulls"');
      expect(out).toEqual([1]);
      await until(() => finallies > 0);
      expect(finallies).toBe(1);
    });

    it('fails with a NullValueError when the stage yields undefined, naming options.name', async () => {
      const d = fromGen(
        async function* (source: AsyncIterable<number>) {
          for await (const _ of source) yield undefined;
        },
        { name: 'parseLog' },
      );
      const err = await pipeline(toReadable([1]), d, collect([])).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NullValueError);
      expect((err as Error).message).toContain('fromGen: stage "parseLog" yielded null or undefined');
    });

    it('fails with an InvalidChunkError when the stage yields a number into a byte stream', async () => {
      const d = fromGen(
        async function* numbers(source: AsyncIterable<Buffer>) {
          for await (const b of source) yield b.length;
        },
        { objectMode: false },
      );
      const err = await pipeline(toReadable(['abc'], { objectMode: false }), d, collect([])).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidChunkError);
      expect((err as InvalidChunkError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
      expect((err as Error).message).toContain('fromGen: stage "numbers"');
      expect((err as Error).message).toContain('`3` (number)');
    });

    it('fails with a NotIterableError when the stage returns something that is not iterable', async () => {
      const d = fromGen(function notAGenerator() {
        return 42 as unknown as Iterable<number>;
      });
      const err = await pipeline(toReadable([1]), d, collect([])).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NotIterableError);
      expect((err as NotIterableError).code).toBe('ERR_GENSTREAM_NOT_ITERABLE');
      expect((err as Error).message).toContain('fromGen: stage "notAGenerator" returned `42` (number)');
    });

    it('does not wait for a stage that never settles to close the stream on destroy()', async () => {
      const never = deferred<void>();
      let finallies = 0;
      const d = fromGen(async function* (source: AsyncIterable<number>) {
        try {
          for await (const x of source) {
            await never.promise; // user code that never settles
            yield x;
          }
        } finally {
          finallies++;
        }
      });
      d.write(1);
      await tick();
      const closed = new Promise<void>((resolve) => d.on('close', resolve));
      d.destroy();
      await closed;
      never.resolve();
      await until(() => finallies > 0);
      expect(finallies).toBe(1);
    });
  });

  describe('bad input', () => {
    it('throws a TypeError naming `fn` at call time for a non-function stage', () => {
      const call = () => fromGen(42 as never);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(GenstreamArgumentError);
      expect(call).toThrow('fromGen: expected `fn` to be a function, got `42` (number)');
      try {
        call();
      } catch (err) {
        expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
        expect(err).toBeInstanceOf(GenstreamError);
      }
    });

    it('throws at call time for bad options, naming the option', () => {
      const stage = async function* (s: AsyncIterable<number>) {
        yield* s;
      };
      expect(() => fromGen(stage, 5 as never)).toThrow('fromGen: expected `options` to be an object, got `5` (number)');
      expect(() => fromGen(stage, { highWaterMark: -1 })).toThrow(GenstreamArgumentError);
      expect(() => fromGen(stage, { highWaterMark: -1 })).toThrow('`options.highWaterMark`');
      expect(() => fromGen(stage, { readableObjectMode: 'yes' as never })).toThrow('`options.readableObjectMode`');
      expect(() => fromGen(stage, { signal: {} as never })).toThrow('`options.signal` to be an AbortSignal');
      expect(() => fromGen(stage, { encoding: 'klingon' as never })).toThrow('`options.encoding`');
    });
  });
});

describe('fromGen at the edges', () => {
  it('gives a for await consumer the items yielded before an error, then the error', async () => {
    const err = new TestError('third');
    const d = fromGen(async function* pass(source: AsyncIterable<number>) {
      for await (const x of source) {
        if (x === 3) throw err;
        yield x;
      }
    });
    toReadable([1, 2, 3, 4]).pipe(d);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of d) got.push(x as number);
      })(),
    ).rejects.toBe(err);
    expect(got).toEqual([1, 2]);
  });

  it('rejects an async function used as a stage with NotIterableError, with no unhandled rejection', async () => {
    // The natural mistake: an async function that consumes its source (it rejects once the stream is destroyed).
    const consume = async (source: AsyncIterable<number>) => {
      for await (const _ of source) void _;
    };
    // @ts-expect-error -- an async function returns a Promise, not an iterable: a compile error too
    const stage: Duplex = fromGen(consume);
    const err = await pipeline(toReadable([1, 2]), stage, collect([])).then(...settledError);
    expect(err).toBeInstanceOf(NotIterableError);
    expect((err as Error).message).toContain('returned a Promise: an async function is not a generator stage');
    await ticks(5); // an unhandled rejection would be recorded by watchUnhandled()
  });

  it('fails with an InvalidChunkError naming the stage when an object is piped into its byte-mode writable side', async () => {
    const d = fromGen(
      async function* bytes(source: AsyncIterable<Buffer>) {
        for await (const b of source) yield b;
      },
      { objectMode: false },
    );
    const err = await pipeline(toReadable([{ id: 1 }]), d, collect([], { objectMode: false })).then(...settledError);
    expect(err).toBeInstanceOf(InvalidChunkError);
    expect((err as Error).message).toMatch(/^fromGen: stage "bytes" was written an object \(Object\), but its writable side is a byte stream/);
  });

  it('fails a second pipeline with AlreadyUsedError, used as a middle, first or last stream', async () => {
    const make = () =>
      fromGen(async function* again(source: AsyncIterable<number>) {
        for await (const x of source) yield x;
      });
    const uses: ((d: Duplex) => Promise<void>)[] = [
      (d) => pipeline(toReadable([3, 4]), d, collect([])),
      (d) => pipeline(d, collect([])),
      (d) => pipeline(toReadable([5]), d),
    ];
    for (const use of uses) {
      const d = make();
      await pipeline(toReadable([1, 2]), d, collect([]));
      const err = await use(d).then(...settledError);
      expectReuseRefused(err, AlreadyUsedError, /^fromGen: stage "again": this stream has already finished or was destroyed/);
    }
  });

  it("throws destroy(err)'s error into a stage suspended at its yield, so its catch sees why", async () => {
    const err = new TestError('why');
    const seen: unknown[] = [];
    let finallies = 0;
    const d = fromGen(async function* (source: AsyncIterable<number>) {
      try {
        for await (const x of source) yield x;
      } catch (e) {
        seen.push(e);
        throw e;
      } finally {
        finallies++;
      }
    });
    d.on('error', () => {});
    d.write(1);
    await new Promise<void>((resolve) => d.once('readable', resolve));
    d.destroy(err);
    await until(() => finallies === 1);
    expect(seen).toEqual([err]);
  });
});

describe('fromGen with a stage that returns a string', () => {
  it('fails with NotIterableError instead of iterating its characters', async () => {
    const d = fromGen((() => 'abc') as never);
    const err = await pipeline(toReadable([1]), d, collect([])).then(...settledError);
    expect(err).toBeInstanceOf(NotIterableError);
    expect((err as Error).message).toContain('returned `"abc"` (string)');
  });
});
