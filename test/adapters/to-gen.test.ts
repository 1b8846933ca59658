import { Duplex, PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  AlreadyUsedError,
  fromGen,
  GenstreamArgumentError,
  GenstreamError,
  toGen,
  toReadable,
  toWritable,
} from '../../lib/index.js';
import { collect, counted, Flow, listenerCounts, STREAM_EVENTS, TestError, ticks, toArray, until, watchUnhandled, settledError } from '../helpers.js';

watchUnhandled();

/** An object-mode Transform doubling numbers, with a flush that pushes `'end'`. */
function doubler(options: { highWaterMark?: number; flushValue?: unknown } = {}): Transform {
  return new Transform({
    objectMode: true,
    highWaterMark: options.highWaterMark,
    transform(x: number, _enc, cb) {
      cb(null, x * 2);
    },
    flush(cb) {
      if (options.flushValue !== undefined) this.push(options.flushValue);
      cb();
    },
  });
}

/** A Transform that fails with `err` on the item `at`. */
function failingAt(at: number, err: Error): Transform {
  return new Transform({
    objectMode: true,
    transform(x: number, _enc, cb) {
      if (x === at) cb(err);
      else cb(null, x);
    },
  });
}

describe('toGen', () => {
  describe('data flow', () => {
    it('wraps a Transform as a generator stage usable in plain for await code', async () => {
      const out = await toArray(toGen<number, number>(() => doubler())([1, 2, 3]));
      expect(out).toEqual([2, 4, 6]);
    });

    it("emits what the stream pushes in its flush last, before the loop ends", async () => {
      const out = await toArray(toGen<number, unknown>(() => doubler({ flushValue: 'flushed' }))([1, 2]));
      expect(out).toEqual([2, 4, 'flushed']);
    });

    it('accepts async iterable sources', async () => {
      async function* source() {
        yield 1;
        yield 2;
      }
      expect(await toArray(toGen<number, number>(() => doubler())(source()))).toEqual([2, 4]);
    });

    it('works as a function stage inside stream.pipeline', async () => {
      const out: number[] = [];
      await pipeline(toReadable([1, 2, 3]), toGen<number, number>(() => doubler()), collect(out));
      expect(out).toEqual([2, 4, 6]);
    });

    it('round-trips a fromGen Duplex: toGen(() => fromGen(stage)) behaves like the stage', async () => {
      const stage = async function* inc(source: AsyncIterable<number>) {
        for await (const x of source) yield x + 1;
        yield 0;
      };
      expect(await toArray(toGen(() => fromGen(stage))([1, 2]))).toEqual([2, 3, 0]);
    });

    it('writes strings with options.encoding into a byte stream', async () => {
      const out = await toArray(toGen<string, Buffer>(() => new PassThrough(), { encoding: 'latin1' })(['é', 'ü']));
      expect(Buffer.concat(out)).toEqual(Buffer.from('éü', 'latin1'));
    });

    it('is reusable when given a factory: a new stream per use', async () => {
      let made = 0;
      const stage = toGen<number, number>(() => {
        made++;
        return doubler();
      });
      expect(await toArray(stage([1]))).toEqual([2]);
      expect(await toArray(stage([2, 3]))).toEqual([4, 6]);
      expect(made).toBe(2);
    });
  });

  describe('backpressure', () => {
    it('keeps the items in flight bounded by the wrapped stream high-water marks with a slow consumer', async () => {
      const hwm = 4;
      const flow = new Flow();
      const stage = toGen<number, number>(() => new PassThrough({ objectMode: true, highWaterMark: hwm }));
      for await (const _ of stage(flow.source()())) {
        await flow.consume();
        if (flow.consumed === 200) break;
      }
      // Produced but not consumed can only sit in: the PassThrough's writable buffer (hwm; the writer
      // waits for 'drain' once write() returns false) and readable buffer (hwm), the item the consumer
      // holds (1) and the item being produced (1): 2·hwm + 2 = 10.
      expect(flow.peak).toBeLessThanOrEqual(2 * hwm + 2);
      expect(flow.peak).toBeGreaterThan(hwm);
      expect(flow.produced - flow.consumed).toBeLessThanOrEqual(2 * hwm + 2);
      await until(() => flow.finallies > 0);
    });
  });

  describe('cleanup', () => {
    it("runs the source's finally exactly once on normal end", async () => {
      const flow = new Flow();
      expect(await toArray(toGen<number, number>(() => doubler())(flow.source(3)()))).toEqual([0, 2, 4]);
      expect(flow.finallies).toBe(1);
    });

    it("destroys the stream and runs the infinite source's finally once when the loop breaks after 5 items", async () => {
      const flow = new Flow();
      const stream = new PassThrough({ objectMode: true, highWaterMark: 4 });
      const out: number[] = [];
      for await (const x of toGen<number, number>(stream)(flow.source()())) {
        out.push(x);
        if (out.length === 5) break;
      }
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(stream.destroyed).toBe(true);
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it("runs the source's finally once and destroys the stream when the consumer throws", async () => {
      const err = new TestError('consumer');
      const flow = new Flow();
      const stream = new PassThrough({ objectMode: true, highWaterMark: 4 });
      const consume = async () => {
        for await (const x of toGen<number, number>(stream)(flow.source()())) if (x === 3) throw err;
      };
      await expect(consume()).rejects.toBe(err);
      expect(stream.destroyed).toBe(true);
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it("throws ERR_STREAM_PREMATURE_CLOSE and runs the source's finally when the stream is destroyed from outside", async () => {
      const flow = new Flow();
      const stream = new PassThrough({ objectMode: true, highWaterMark: 4 });
      const consume = async () => {
        for await (const x of toGen<number, number>(stream)(flow.source()())) if (x === 3) stream.destroy();
      };
      await expect(consume()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it('stops the source and the stream when a pipeline signal aborts', async () => {
      const ac = new AbortController();
      const flow = new Flow();
      const inner = new PassThrough({ objectMode: true, highWaterMark: 4 });
      const sink = toWritable(async (source: AsyncIterable<number>) => {
        for await (const _ of source) {
          await flow.consume();
          if (flow.consumed === 3) ac.abort();
        }
      });
      const err = await pipeline(toReadable(flow.source()), toGen(inner), sink, { signal: ac.signal }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      await until(() => flow.finallies > 0 && inner.destroyed);
      expect(flow.finallies).toBe(1);
    });

    it('leaves no listener on the wrapped stream after the loop ends or breaks', async () => {
      const done = doubler();
      const before = listenerCounts(done, STREAM_EVENTS);
      await toArray(toGen<number, number>(done)([1, 2, 3]));
      expect(listenerCounts(done, STREAM_EVENTS)).toEqual(before);

      const broken = new PassThrough({ objectMode: true });
      const before2 = listenerCounts(broken, STREAM_EVENTS);
      for await (const _ of toGen<number, number>(broken)([1, 2, 3])) break;
      await until(() => broken.closed);
      await ticks(2);
      expect(listenerCounts(broken, STREAM_EVENTS)).toEqual(before2);
    });
  });

  describe('errors', () => {
    it('throws a stream error from the loop as the same object, exactly once, and runs the source finally', async () => {
      const err = new TestError('stream failed');
      const flow = new Flow();
      const seen: unknown[] = [];
      try {
        for await (const _ of toGen<number, number>(() => failingAt(3, err))(flow.source()()));
      } catch (e) {
        seen.push(e);
      }
      expect(seen).toEqual([err]);
      expect(seen[0]).toBe(err);
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it('throws a source error as the same object and destroys the stream with it', async () => {
      const err = new TestError('source failed');
      const stream = new PassThrough({ objectMode: true });
      async function* source() {
        yield 1;
        throw err;
      }
      await expect(toArray(toGen(stream)(source()))).rejects.toBe(err);
      expect(stream.destroyed).toBe(true);
      expect(stream.errored).toBe(err);
    });

    it('rejects a pipeline with the same error object a wrapped stream raised', async () => {
      const err = new TestError('in pipeline');
      await expect(pipeline(toReadable([1, 2, 3, 4]), toGen(() => failingAt(2, err)), collect([]))).rejects.toBe(err);
    });

    it('rejects with an AlreadyUsedError saying streams are one-shot when an instance is run twice', async () => {
      const stage = toGen<number, number>(doubler());
      expect(await toArray(stage([1]))).toEqual([2]);
      const second = stage([2]); // calling the stage claims nothing yet
      const err = await second.next().then(...settledError);
      expect(err).toBeInstanceOf(AlreadyUsedError);
      expect(err).toBeInstanceOf(GenstreamError);
      expect((err as AlreadyUsedError).code).toBe('ERR_GENSTREAM_ALREADY_USED');
      expect((err as Error).message).toContain('one-shot');
      expect((err as Error).message).toContain('toGen(() => parse())');
    });

    it('names options.name in its errors', async () => {
      const stage = toGen(doubler(), { name: 'csv' });
      await toArray(stage([]));
      await expect(toArray(stage([]))).rejects.toThrow(/^toGen \(csv\): /);
    });
  });

  describe('when the stream is made', () => {
    it('makes no stream when the stage is returned before its first next(), and returns the source', async () => {
      let made = 0;
      const stage = toGen(() => {
        made++;
        return new PassThrough({ objectMode: true });
      });
      const { state, source } = counted(3);
      const gen = stage(source);
      expect(made).toBe(0);
      await gen.return(undefined);
      expect(made).toBe(0);
      // The source generator never started: returned, it is done (no finally to run, none ran).
      expect(await source.next()).toEqual({ done: true, value: undefined });
      expect(state.produced).toBe(0);
    });

    it('destroys an instance whose stage is returned before starting (it is done with), and returns the source', async () => {
      const stream = doubler();
      const stage = toGen<number, number>(stream);
      const { state, source } = counted(3);
      await stage(source).return(undefined);
      expect(stream.destroyed).toBe(true);
      expect(await source.next()).toEqual({ done: true, value: undefined });
      expect(state.produced).toBe(0);
    });

    it('does not claim an instance when the stage is only called: the first run that starts gets it', async () => {
      const stage = toGen<number, number>(doubler());
      const unused = stage([1]);
      expect(await toArray(stage([5]))).toEqual([10]);
      await expect(unused.next()).rejects.toThrow(AlreadyUsedError);
    });
  });

  describe('bad input', () => {
    it('throws a TypeError naming `streamOrFactory` at call time for a non-stream, non-function', () => {
      for (const bad of [42, null, {}, [1, 2], new Readable({ read() {} })]) {
        const call = () => toGen(bad as never);
        expect(call).toThrow(TypeError);
        expect(call).toThrow(GenstreamArgumentError);
        expect(call).toThrow('toGen: expected `streamOrFactory` to be a Duplex/Transform stream or a function returning one');
      }
      expect(() => toGen(42 as never)).toThrow('got `42` (number)');
    });

    it('throws a TypeError naming `source` when the stage is called with a non-iterable', () => {
      const stage = toGen(() => new PassThrough({ objectMode: true }));
      const call = () => stage(42 as never);
      expect(call).toThrow(GenstreamArgumentError);
      expect(call).toThrow('toGen stage: expected `source` to be an iterable or async iterable, got `42` (number)');
    });

    it('rejects with a TypeError when the factory returns something that is not a Duplex, when the stage starts', async () => {
      const stage = toGen(() => new Readable({ read() {} }) as unknown as Duplex);
      await expect(toArray(stage([1]))).rejects.toThrow(GenstreamArgumentError);
      await expect(toArray(stage([1]))).rejects.toThrow('toGen: expected the factory to return a Duplex/Transform stream');
    });

    it('throws at call time for options that are not an object', () => {
      expect(() => toGen(() => new PassThrough(), 'utf8' as never)).toThrow(
        'toGen: expected `options` to be an object, got `"utf8"` (string)',
      );
    });
  });
});
