import { pipeline } from 'node:stream/promises';
import { ReadableStream, TransformStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import {
  chain,
  failedStage,
  filter,
  fromWebReadable,
  GenstreamArgumentError,
  map,
  pipe,
  run,
  take,
  toReadable,
  toWebReadable,
  toWritable,
} from '../../lib/index.js';
import { collect, Flow, TestError, tick, ticks, toArray, until, watchUnhandled } from '../helpers.js';

watchUnhandled();

/** A TransformStream of numbers with explicit queue sizes on both sides. */
function numbers(fn: (n: number) => number, writableHwm = 1, readableHwm = 0): TransformStream<number, number> {
  return new TransformStream<number, number>(
    {
      transform(n, controller) {
        controller.enqueue(fn(n));
      },
    },
    { highWaterMark: writableHwm },
    { highWaterMark: readableHwm },
  );
}

describe('toWebReadable', () => {
  it('streams an array, a sync generator, an async generator and a generator function', async () => {
    async function* agen() {
      yield* [1, 2];
    }
    function* sgen() {
      yield* [1, 2];
    }
    for (const source of [[1, 2], sgen(), agen(), agen]) {
      expect(await toArray(toWebReadable(source))).toEqual([1, 2]);
    }
  });

  it('pulls the source only to fill its queue: highWaterMark items before any read, then one per read', async () => {
    const flow = new Flow();
    const rs = toWebReadable(flow.source(), { highWaterMark: 4 });
    await ticks(5);
    expect(flow.produced).toBe(4);
    const reader = rs.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 0 });
    await ticks(5);
    expect(flow.produced).toBe(5);
    await reader.cancel();
  });

  it('pulls nothing, and does not call a source function, before the first read with highWaterMark 0', async () => {
    const flow = new Flow();
    let calls = 0;
    const rs = toWebReadable(
      () => {
        calls++;
        return flow.source()();
      },
      { highWaterMark: 0 },
    );
    await ticks(5);
    expect(calls).toBe(0);
    expect(flow.produced).toBe(0);
    const reader = rs.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 0 });
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await ticks(5);
    expect(calls).toBe(1);
    expect(flow.produced).toBe(2);
    await reader.cancel();
  });

  it('uses a queue of 16 items by default', async () => {
    const flow = new Flow();
    toWebReadable(flow.source());
    await ticks(5);
    expect(flow.produced).toBe(16);
  });

  it('runs the generator’s finally once when the stream is cancelled, and pulls no more', async () => {
    const flow = new Flow();
    const reader = toWebReadable(flow.source(), { highWaterMark: 2 }).getReader();
    await reader.read();
    await reader.cancel(new TestError('cancel'));
    expect(flow.finallies).toBe(1);
    const produced = flow.produced;
    await ticks(5);
    expect(flow.produced).toBe(produced);
  });

  it('runs the generator’s finally when a for await over the stream breaks', async () => {
    const flow = new Flow();
    const seen: number[] = [];
    for await (const n of toWebReadable(flow.source())) {
      seen.push(n);
      if (n === 2) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(flow.finallies).toBe(1);
  });

  it('errors the stream with the same object the source threw, after its finally ran', async () => {
    const err = new TestError('source');
    let finallies = 0;
    const rs = toWebReadable(async function* () {
      try {
        yield 1;
        throw err;
      } finally {
        finallies++;
      }
    });
    expect(await toArray(rs).catch((e: unknown) => e)).toBe(err);
    expect(finallies).toBe(1);
  });

  it('throws a TypeError at call time for a non-iterable source or bad options', () => {
    for (const bad of [42, {}, null]) {
      expect(() => toWebReadable(bad as never)).toThrow(GenstreamArgumentError);
    }
    expect(() => toWebReadable([1], 5 as never)).toThrow(/^toWebReadable: expected `options` to be an object, got `5` \(number\)$/);
    expect(() => toWebReadable([1], { highWaterMark: -1 })).toThrow(
      /^toWebReadable: expected `options.highWaterMark` to be a non-negative integer, got `-1` \(number\)$/,
    );
  });
});

describe('fromWebReadable', () => {
  it('yields every chunk in order and releases the stream when done', async () => {
    const rs = toWebReadable(['a', 'b', 'c']);
    expect(await toArray(fromWebReadable(rs))).toEqual(['a', 'b', 'c']);
    expect(rs.locked).toBe(false);
  });

  it('cancels the stream when the loop breaks early, and releases its lock', async () => {
    let pulls = 0;
    const cancels: unknown[] = [];
    const rs = new ReadableStream<number>(
      {
        pull(controller) {
          controller.enqueue(pulls++);
        },
        cancel(reason) {
          cancels.push(reason);
        },
      },
      { highWaterMark: 0 },
    );
    const seen: number[] = [];
    for await (const n of fromWebReadable(rs)) {
      seen.push(n);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(cancels).toHaveLength(1);
    expect(rs.locked).toBe(false);
    await ticks(3);
    expect(pulls).toBe(3);
  });

  it('runs a toWebReadable generator’s finally through the cancel when the loop breaks', async () => {
    const flow = new Flow();
    for await (const n of fromWebReadable(toWebReadable(flow.source()))) if (n === 1) break;
    expect(flow.finallies).toBe(1);
  });

  it('throws a stream error as the same object', async () => {
    const err = new TestError('stream');
    let pulls = 0;
    const rs = new ReadableStream(
      {
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(1);
          else controller.error(err);
        },
      },
      { highWaterMark: 0 },
    );
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const x of fromWebReadable(rs)) seen.push(x);
    })().catch((e: unknown) => e);
    expect(failure).toBe(err);
    expect(seen).toEqual([1]);
  });

  it('throws a TypeError at call time, not at the first next(), for a non-stream or a locked stream', () => {
    expect(() => fromWebReadable(42 as never)).toThrow(/^fromWebReadable: expected `stream` to be a Web ReadableStream, got `42` \(number\)$/);
    const locked = new ReadableStream();
    locked.getReader();
    let thrown: unknown;
    try {
      fromWebReadable(locked);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GenstreamArgumentError);
    expect((thrown as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
    expect((thrown as Error).message).toMatch(/to be unlocked/);
  });
});

describe('chain: TransformStream stages', () => {
  it('runs a TransformStream between fused operators inside stream.pipeline', async () => {
    const out: number[] = [];
    await pipeline(toReadable([1, 2, 3, 4]), chain(map((n: number) => n + 1), numbers((n) => n * 10), filter((n: number) => n !== 30)), collect(out));
    expect(out).toEqual([20, 40, 50]);
  });

  it('passes on items a TransformStream enqueues in flush(), before the end', async () => {
    const ts = new TransformStream<number, number>({
      transform(n, controller) {
        controller.enqueue(n);
        controller.enqueue(-n);
      },
      flush(controller) {
        controller.enqueue(0);
      },
    });
    expect(await toArray(pipe([1, 2], ts, map((n: number) => n * 2)))).toEqual([2, -2, 4, -4, 0]);
  });

  it('runs two TransformStreams in a row, and a TransformStream alone', async () => {
    expect(await toArray(pipe([1, 2], numbers((n) => n + 1), numbers((n) => n * 3)))).toEqual([6, 9]);
    expect(await run([1, 2, 3], chain(numbers((n) => -n)), (source) => toArray(source))).toEqual([-1, -2, -3]);
  });

  it('throws a TransformStream’s error as the same object, blaming the TransformStream stage', async () => {
    const err = new TestError('transform');
    const flow = new Flow();
    const ts = new TransformStream<number, number>({
      transform(n, controller) {
        if (n === 2) throw err;
        controller.enqueue(n);
      },
    });
    const failure = await run(flow.source(), map((n: number) => n), ts, (source) => toArray(source)).catch((e: unknown) => e);
    expect(failure).toBe(err);
    expect(failedStage(err)).toEqual({ index: 1, label: 'TransformStream' });
    await until(() => flow.finallies === 1);
  });

  it('throws a source error as the same object through a TransformStream stage', async () => {
    const err = new TestError('source');
    const failure = await toArray(
      pipe(
        (async function* () {
          yield 1;
          throw err;
        })(),
        numbers((n) => n),
      ),
    ).catch((e: unknown) => e);
    expect(failure).toBe(err);
    expect(failedStage(err)).toBeUndefined();
  });

  it('ends early through a TransformStream: take(3) below it returns the infinite source', async () => {
    const flow = new Flow();
    const out: number[] = [];
    await pipeline(toReadable(flow.source()), chain(numbers((n) => n * 2), take(3)), collect(out));
    expect(out).toEqual([0, 2, 4]);
    expect(flow.finallies).toBe(1);
  });

  it('holds the source back while the consumer below a TransformStream is slow (pipe)', async () => {
    const flow = new Flow();
    // Between the source and the consumer: the item the feed holds while it waits for room (1), the
    // TransformStream's writable queue (1) and the item inside transform() (1), its readable queue (0),
    // the item the reader holds (1), plus the item being produced.
    let seen = 0;
    for await (const _ of pipe(flow.source(), numbers((n) => n, 1, 0), map((n: number) => n))) {
      await flow.consume();
      if (++seen === 100) break;
    }
    expect(flow.peak).toBeLessThanOrEqual(5);
    expect(flow.finallies).toBe(1);
  });

  it('holds the source back while the consumer below a TransformStream stage of a chain is slow (pipeline)', async () => {
    const flow = new Flow();
    const c = chain(map((n: number) => n), numbers((n) => n, 4, 4), map((n: number) => n));
    await pipeline(toReadable(flow.source()), c, toWritable(flow.slowSink(300)));
    expect(flow.consumed).toBe(300);
    // Source (16) + chain writable buffer and its generator inbox (16 + 16) + TransformStream queues
    // (4 + 4) + chain readable buffer (16) + sink buffer and queue (16 + 16), plus up to 4 items held
    // in hand (the feed, the transform, the reader, the consumer).
    expect(flow.peak).toBeLessThanOrEqual(6 * 16 + 2 * 4 + 4);
    expect(flow.finallies).toBe(1);
  });

  it('stops pulling the source while the consumer below a TransformStream stalls', async () => {
    const flow = new Flow();
    const out = pipe(flow.source(), numbers((n) => n, 2, 2));
    const first = await out.next();
    expect(first).toEqual({ done: false, value: 0 });
    await ticks(20);
    const plateau = flow.produced;
    // Writable queue (2) + readable queue (2) + the feed's and the transform's item in hand + 1 read.
    expect(plateau).toBeLessThanOrEqual(2 + 2 + 3);
    await ticks(20);
    expect(flow.produced).toBe(plateau);
    await out.return(undefined);
    expect(flow.finallies).toBe(1);
  });

  it('tears the TransformStream down (and runs the source’s finally) when the chain is destroyed mid-flight', async () => {
    const flow = new Flow();
    let transforms = 0;
    const ts = new TransformStream<number, number>({
      transform(n, controller) {
        transforms++;
        controller.enqueue(n);
      },
    });
    const c = chain(map((n: number) => n), ts);
    const failure = await pipeline(
      toReadable(flow.source()),
      c,
      toWritable(async (source: AsyncIterable<number>) => {
        for await (const n of source) {
          await tick();
          if (n === 5) c.destroy();
        }
      }),
    ).catch((e: unknown) => e);
    expect((failure as { code?: string }).code).toBe('ERR_STREAM_PREMATURE_CLOSE');
    await until(() => flow.finallies === 1 && !ts.readable.locked);
    // The stage cancelled and released the readable side (a cancelled stream reads as closed), and
    // nothing more is transformed.
    const [closed] = await Promise.allSettled([ts.readable.getReader().closed]);
    expect(closed.status).toBe('fulfilled');
    const count = transforms;
    await ticks(5);
    expect(transforms).toBe(count);
  });
});
