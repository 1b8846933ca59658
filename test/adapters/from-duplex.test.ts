import { Duplex, PassThrough, Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromDuplex, type DuplexIterable } from '../../lib/adapters/from-duplex.js';
import { toDuplex } from '../../lib/adapters/to-duplex.js';
import {
  AbortError,
  fromGen,
  fromReadable,
  GenstreamArgumentError,
  InvalidChunkError,
  NullValueError,
  toReadable,
  toWritable,
  type TypedDuplex,
} from '../../lib/index.js';
import {
  abortListeners,
  closeEvent,
  collect,
  counted,
  deferred,
  expectFinishAfterSink,
  echoDuplex,
  Flow,
  listenerCounts,
  STREAM_EVENTS,
  TestError,
  thrown,
  tick,
  ticks,
  toArray,
  until,
  watchUnhandled,
  settledError,
} from '../helpers.js';

watchUnhandled();

/** A sink that records what it reads and how its loop ended. */
function recordingSink<T>() {
  const state = { got: [] as T[], finallies: 0, caught: [] as unknown[], completed: false };
  const sink = async (source: AsyncIterable<T>): Promise<void> => {
    try {
      for await (const x of source) state.got.push(x);
      state.completed = true;
    } catch (err) {
      state.caught.push(err);
      throw err;
    } finally {
      state.finallies++;
    }
  };
  return { state, sink };
}

/**
 * An endless source (0, 1, 2, ...) counting its `finally` and what its `catch` saw. With a small
 * readableHighWaterMark and nobody reading, it is suspended at a `yield` once the buffer is full.
 */
function endlessSource() {
  const state = { produced: 0, finallies: 0, caught: [] as unknown[] };
  async function* source(): AsyncGenerator<number, void, undefined> {
    try {
      for (let i = 0; ; i++) {
        state.produced++;
        yield i;
      }
    } catch (err) {
      state.caught.push(err);
      throw err;
    } finally {
      state.finallies++;
    }
  }
  return { state, source: source() };
}

/** An object-mode Readable holding 0, 1, ..., n - 1 that has not ended (more may come). */
function pushedReadable(n: number): Readable {
  const r = new Readable({ objectMode: true, read() {} });
  for (let i = 0; i < n; i++) r.push(i);
  return r;
}

describe('fromDuplex', () => {
  describe('data flow', () => {
    it('feeds writes to the sink in order and makes the source the readable side (echo, libp2p style)', async () => {
      const echo = echoDuplex<number>();
      const d = fromDuplex(echo);
      const items = Array.from({ length: 100 }, (_, i) => i);
      const read = toArray(d);
      for (const i of items) d.write(i);
      d.end();
      expect(await read).toEqual(items);
      expect(echo.state).toMatchObject({ sunk: 100, yielded: 100, sourceFinallies: 1, sinkFinallies: 1 });
    });

    it('works inside stream.pipeline(src, fromDuplex(d), sink)', async () => {
      const echo = echoDuplex<string>(2);
      const out: string[] = [];
      await pipeline(toReadable(['a', 'b', 'c', 'd']), fromDuplex(echo), collect(out));
      expect(out).toEqual(['a', 'b', 'c', 'd']);
      expect(echo.state).toMatchObject({ sourceFinallies: 1, sinkFinallies: 1 });
    });

    it('works with a foreign upstream and sync-iterable source: Readable.from into a sink, an array out', async () => {
      const s = recordingSink<number>();
      const out: string[] = [];
      await pipeline(Readable.from([1, 2, 3]), fromDuplex({ source: ['x', 'y'], sink: s.sink }), collect(out));
      expect(s.state.got).toEqual([1, 2, 3]);
      expect(out).toEqual(['x', 'y']);
    });

    it("fires 'finish' only after the sink's promise resolved", async () => {
      await expectFinishAfterSink((sink) => fromDuplex({ source: [], sink }).resume());
    });

    it('calls the sink with an empty source on end() without writes', async () => {
      const s = recordingSink<number>();
      const d = fromDuplex({ source: [], sink: s.sink });
      d.end();
      await new Promise((resolve) => d.once('finish', resolve));
      expect(s.state).toMatchObject({ got: [], completed: true, finallies: 1 });
    });

    it('ends the readable side when the source ends while the sink still runs, and closes only once both are done', async () => {
      const s = recordingSink<number>();
      const d = fromDuplex({ source: [1, 2], sink: s.sink });
      const closed = closeEvent(d);
      let isClosed = false;
      void closed.then(() => (isClosed = true));
      // fromReadable, not `for await (of d)`: Node's own iterator destroys the stream when it ends.
      expect(await toArray(fromReadable(d))).toEqual([1, 2]);
      expect(d.readableEnded).toBe(true);
      // The writable side is still open: the sink keeps reading.
      expect(d.write(10)).toBe(true);
      await ticks(3);
      expect(s.state.got).toEqual([10]);
      expect(isClosed).toBe(false);
      d.end(11);
      await closed;
      expect(s.state).toMatchObject({ got: [10, 11], completed: true });
      expect(d.destroyed).toBe(true);
    });

    it('keeps the readable side going after the sink finished, and closes when the source ends', async () => {
      const src = deferred();
      const d = fromDuplex({
        source: (async function* () {
          yield 'first';
          await src.promise;
          yield 'last';
        })(),
        sink: async (source: AsyncIterable<number>) => {
          for await (const _ of source);
        },
      });
      const closed = closeEvent(d);
      d.end(1);
      await new Promise((resolve) => d.once('finish', resolve));
      expect(d.destroyed).toBe(false);
      const read = toArray(d);
      src.resolve();
      expect(await read).toEqual(['first', 'last']);
      await closed;
    });

    it('drops what is written after the sink resolved early, and still finishes on end()', async () => {
      const got: number[] = [];
      const d = fromDuplex({
        source: [],
        sink: async (source: AsyncIterable<number>) => {
          for await (const x of source) {
            got.push(x);
            if (got.length === 2) return;
          }
        },
      });
      for (let i = 0; i < 10; i++) d.write(i);
      d.end();
      await new Promise((resolve) => d.once('finish', resolve));
      expect(got).toEqual([0, 1]);
    });

    it('carries bytes in byte mode (objectMode: false): Buffers in, Buffers out, highWaterMark in bytes', async () => {
      const echo = echoDuplex<Buffer>();
      const d = fromDuplex(echo, { objectMode: false, highWaterMark: 8 });
      expect(d.readableObjectMode).toBe(false);
      expect(d.writableObjectMode).toBe(false);
      expect(d.writableHighWaterMark).toBe(8);
      const read = toArray(d);
      d.write(Buffer.from('hello '));
      d.write('world'); // strings are decoded to Buffers for the sink, as Node's Writable does
      d.end();
      const chunks = (await read) as Buffer[];
      expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
      expect(Buffer.concat(chunks).toString()).toBe('hello world');
    });

    it('decodes the readable side with options.encoding', async () => {
      const d = fromDuplex({ source: [Buffer.from('hé'), Buffer.from('llo')], sink: async () => {} }, { objectMode: false, encoding: 'utf8' });
      expect((await toArray(d)).join('')).toBe('héllo');
    });

    it('reads a string source as one chunk, as toReadable does', async () => {
      const d = fromDuplex({ source: 'one chunk', sink: async () => {} });
      expect(await toArray(d)).toEqual(['one chunk']);
    });
  });

  describe('backpressure', () => {
    it('pulls at most readableHighWaterMark + 1 items from the source while nobody reads', async () => {
      const { state, source } = counted();
      const d = fromDuplex({ source, sink: async () => {} }, { readableHighWaterMark: 4 });
      await ticks(5);
      expect(state.produced).toBe(0); // nothing is pulled before someone asks
      d.read(0); // the readable side fills its buffer, then waits
      await ticks(20);
      expect(state.produced).toBeGreaterThanOrEqual(4);
      expect(state.produced).toBeLessThanOrEqual(5);
      expect(d.readableLength).toBe(4);
      // Reading two items lets exactly that much more be pulled.
      d.read();
      d.read();
      await ticks(20);
      expect(state.produced).toBeLessThanOrEqual(7);
      d.destroy();
      await until(() => state.finallies === 1);
    });

    it('keeps a fast source bounded by the readable high-water mark for a slow reader', async () => {
      const flow = new Flow();
      const d = fromDuplex({ source: flow.source(200)(), sink: async () => {} }, { readableHighWaterMark: 4 });
      for await (const _ of d) await flow.consume();
      expect(flow.consumed).toBe(200);
      // produced-but-unread: the buffer (4), the item being pushed, and the one the reader holds
      expect(flow.peak).toBeLessThanOrEqual(4 + 2);
      expect(flow.finallies).toBe(1);
    });

    it('makes write() return false at writableHighWaterMark for a slow sink, and a writer that waits keeps in-flight items bounded', async () => {
      const hwm = 4;
      let written = 0;
      let consumed = 0;
      let peak = 0;
      let falses = 0;
      const d = fromDuplex(
        {
          source: [],
          sink: async (source: AsyncIterable<number>) => {
            for await (const _ of source) {
              await tick();
              consumed++;
            }
          },
        },
        { writableHighWaterMark: hwm },
      );
      for (let i = 0; i < 100; i++) {
        written++;
        peak = Math.max(peak, written - consumed);
        if (!d.write(i)) {
          falses++;
          await new Promise((resolve) => d.once('drain', resolve));
        }
      }
      d.end();
      await new Promise((resolve) => d.once('finish', resolve));
      expect(consumed).toBe(100);
      expect(falses).toBeGreaterThan(0);
      // queued for the sink (hwm) plus the one the sink holds
      expect(peak).toBeLessThanOrEqual(hwm + 1);
    });

    it('makes write() return false once highWaterMark items wait for a sink that does not read', async () => {
      const gate = deferred();
      const d = fromDuplex(
        {
          source: [],
          sink: async (source: AsyncIterable<number>) => {
            await gate.promise;
            for await (const _ of source);
          },
        },
        { writableHighWaterMark: 3 },
      );
      const results: boolean[] = [];
      for (let i = 0; i < 3; i++) results.push(d.write(i));
      expect(results).toEqual([true, true, false]);
      expect(d.writableNeedDrain).toBe(true);
      const drained = new Promise((resolve) => d.once('drain', resolve));
      gate.resolve();
      await drained;
      d.end();
      await new Promise((resolve) => d.once('finish', resolve));
    });

    it('bounds the items between a counted upstream and a slow sink in a pipeline', async () => {
      const flow = new Flow();
      const hwm = 4;
      await pipeline(
        toReadable(flow.source(100), { highWaterMark: hwm }),
        fromDuplex({ source: [], sink: flow.slowSink() }, { highWaterMark: hwm }),
      );
      expect(flow.consumed).toBe(100);
      // the upstream's buffer, the Duplex's writable buffer, the sink's queue, plus the items in hand
      expect(flow.peak).toBeLessThanOrEqual(3 * hwm + 2);
      expect(flow.finallies).toBe(1);
    });

    it('carries backpressure across an echo: with nobody reading, the sink stops taking items and write() returns false', async () => {
      const echo = echoDuplex<number>(2);
      const d = fromDuplex(echo, { highWaterMark: 2 });
      let falses = 0;
      for (let i = 0; i < 20; i++) if (!d.write(i)) falses++;
      await ticks(20);
      expect(echo.state.sunk).toBe(2); // the echo queue is full and nobody reads its source
      expect(falses).toBeGreaterThan(0);
      d.end();
      // Reading lets everything through, in order (what write() refused to take at once was buffered).
      expect(await toArray(fromReadable(d))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(echo.state).toMatchObject({ sourceFinallies: 1, sinkFinallies: 1 });
    });
  });

  describe('errors', () => {
    it('destroys the Duplex with the same object when the sink rejects, and runs the source finally once', async () => {
      const boom = new TestError('sink failed');
      const src = endlessSource();
      const d = fromDuplex(
        {
          source: src.source,
          sink: async (source: AsyncIterable<number>) => {
            for await (const _ of source) throw boom;
          },
        },
        { readableHighWaterMark: 2 },
      );
      d.read(0);
      await until(() => d.readableLength === 2);
      const closed = closeEvent(d);
      const errors: unknown[] = [];
      d.on('error', (err) => errors.push(err));
      d.write(1);
      await closed;
      expect(errors).toEqual([boom]);
      expect(errors[0]).toBe(boom);
      await until(() => src.state.finallies === 1);
      expect(src.state.caught).toEqual([boom]); // thrown into at its yield: its catch sees why
    });

    it('destroys the Duplex with the same object when a non-async sink throws synchronously', async () => {
      const boom = new TestError('sync');
      const d = fromDuplex({
        source: [],
        sink: () => {
          throw boom;
        },
      });
      const closed = closeEvent(d);
      let seen: unknown;
      d.on('error', (err) => (seen = err));
      d.end();
      await closed;
      expect(seen).toBe(boom);
    });

    it('destroys the Duplex with the same object when the source throws, and the sink loop rejects with it', async () => {
      const boom = new TestError('source failed');
      const s = recordingSink<number>();
      const d = fromDuplex({
        source: (async function* () {
          yield 1;
          throw boom;
        })(),
        sink: s.sink,
      });
      d.write(1); // the sink is running and waits for more
      const err = await toArray(d).then(...settledError);
      expect(err).toBe(boom);
      await until(() => s.state.finallies === 1);
      expect(s.state.caught).toEqual([boom]);
      expect(s.state.caught[0]).toBe(boom);
    });

    it('delivers the items the source yielded before it threw, then the error', async () => {
      const boom = new TestError('after two');
      const got: unknown[] = [];
      const d = fromDuplex({
        source: (async function* () {
          yield 1;
          yield 2;
          throw boom;
        })(),
        sink: async () => {},
      });
      const err = await (async () => {
        for await (const x of d) got.push(x);
      })().then(...settledError);
      expect(got).toEqual([1, 2]);
      expect(err).toBe(boom);
    });

    it('rejects the pipeline with the same error object from either side', async () => {
      const sinkBoom = new TestError('sink');
      const err1 = await pipeline(
        toReadable([1, 2, 3]),
        fromDuplex({
          source: [],
          sink: async (source: AsyncIterable<number>) => {
            for await (const _ of source) throw sinkBoom;
          },
        }),
        collect([]),
      ).then(...settledError);
      expect(err1).toBe(sinkBoom);

      const sourceBoom = new TestError('source');
      const err2 = await pipeline(
        toReadable([1, 2, 3]),
        fromDuplex({
          source: (async function* () {
            yield 1;
            throw sourceBoom;
          })(),
          sink: async (source: AsyncIterable<number>) => {
            for await (const _ of source);
          },
        }),
        collect([]),
      ).then(...settledError);
      expect(err2).toBe(sourceBoom);
    });

    it('fails with a NullValueError when the source yields null in object mode', async () => {
      const d = fromDuplex({ source: [1, null], sink: async () => {} });
      const err = await toArray(d).then(...settledError);
      expect(err).toBeInstanceOf(NullValueError);
      expect((err as Error).message).toMatch(/^fromDuplex: source yielded null/);
    });

    it('fails with an InvalidChunkError naming the duplex when an object is written to a byte-mode side', async () => {
      const d = fromDuplex({ source: [], sink: async (s: AsyncIterable<Buffer>) => void (await toArray(s)) }, { objectMode: false, name: 'conn' });
      const closed = closeEvent(d);
      let seen: unknown;
      d.on('error', (err) => (seen = err));
      d.write({ not: 'bytes' } as never);
      await closed;
      expect(seen).toBeInstanceOf(InvalidChunkError);
      expect((seen as Error).message).toMatch(/^fromDuplex "conn" was written an object/);
    });
  });

  describe('cleanup', () => {
    it("on destroy(): the source's finally runs once and the sink's loop rejects with an AbortError", async () => {
      const src = endlessSource();
      const s = recordingSink<number>();
      const d = fromDuplex({ source: src.source, sink: s.sink }, { readableHighWaterMark: 3 });
      d.write(1);
      d.read(0); // starts the readable side: it fills its buffer, and the source waits at a yield
      await until(() => d.readableLength === 3);
      const closed = closeEvent(d);
      d.destroy();
      await closed;
      await until(() => src.state.finallies === 1 && s.state.finallies === 1);
      expect(src.state.caught).toEqual([]); // returned, not thrown into
      expect(s.state.caught).toHaveLength(1);
      expect(s.state.caught[0]).toBeInstanceOf(AbortError);
      expect(s.state.completed).toBe(false);
      await ticks(5);
      expect(src.state.finallies).toBe(1);
    });

    it("on destroy(err): the source's catch sees err, its finally runs once, and the sink's loop rejects with err", async () => {
      const boom = new TestError('destroyed');
      const src = endlessSource();
      const s = recordingSink<number>();
      const d = fromDuplex({ source: src.source, sink: s.sink }, { readableHighWaterMark: 1 });
      d.on('error', () => {});
      d.write(1);
      d.read(0);
      await until(() => d.readableLength === 1);
      const closed = closeEvent(d);
      d.destroy(boom);
      await closed;
      await until(() => src.state.finallies === 1 && s.state.finallies === 1);
      expect(src.state.caught).toEqual([boom]);
      expect(s.state.caught).toEqual([boom]);
      expect(s.state.caught[0]).toBe(boom);
    });

    it("on options.signal abort: the Duplex, the source's catch and the sink's loop all get the same AbortError", async () => {
      const ac = new AbortController();
      const src = endlessSource();
      const s = recordingSink<number>();
      const d = fromDuplex({ source: src.source, sink: s.sink }, { signal: ac.signal, readableHighWaterMark: 1 });
      let seen: unknown;
      d.on('error', (err) => (seen = err));
      d.write(1);
      d.read(0);
      await until(() => d.readableLength === 1);
      const closed = closeEvent(d);
      ac.abort();
      await closed;
      await until(() => src.state.finallies === 1 && s.state.finallies === 1);
      expect(seen).toBeInstanceOf(AbortError);
      expect(src.state.caught[0]).toBe(seen);
      expect(s.state.caught[0]).toBe(seen);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it("ends an echo on destroy(): the sink's loop rejects, which ends the queue the source waits on, and both finallies run once", async () => {
      const echo = echoDuplex<number>();
      const d = fromDuplex(echo);
      d.write(1);
      await until(() => echo.state.sunk === 1);
      d.read(0); // the source yields 1, then waits on the queue
      await until(() => echo.state.yielded === 1);
      d.destroy();
      await until(() => echo.state.sourceFinallies === 1 && echo.state.sinkFinallies === 1);
      expect(echo.state.sinkError).toBeInstanceOf(AbortError);
      await ticks(5);
      expect(echo.state).toMatchObject({ sourceFinallies: 1, sinkFinallies: 1 });
    });

    it("does not wait for a source or a sink that never settles to emit 'close' on destroy()", async () => {
      const d = fromDuplex({
        source: (async function* () {
          await new Promise(() => {});
          yield 1;
        })(),
        sink: () => new Promise(() => {}),
      });
      d.write(1);
      d.read(0);
      const closed = closeEvent(d);
      d.destroy();
      await closed;
      expect(d.destroyed).toBe(true);
    });

    it("returns an iterator source with its own return() when destroyed before the first read", async () => {
      let returned = 0;
      const source: AsyncIterableIterator<number> = {
        next: async () => ({ done: false, value: 1 }),
        return: async () => {
          returned++;
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      const d = fromDuplex({ source, sink: async () => {} });
      d.destroy();
      await closeEvent(d);
      expect(returned).toBe(1);
    });

    it('delivers the items of a Readable source in order, and on destroy() while they fill the buffer destroys it with no listener left', async () => {
      const src = pushedReadable(10);
      const before = listenerCounts(src, STREAM_EVENTS);
      const d = fromDuplex({ source: src, sink: async () => {} }, { readableHighWaterMark: 2 });
      const got: number[] = [];
      d.on('data', (n: number) => {
        got.push(n);
        if (got.length === 5) d.pause(); // the reader is then suspended at a yield, the buffer full
      });
      await until(() => got.length === 5 && d.readableLength === 2);
      const closed = closeEvent(d);
      d.destroy();
      await closed;
      await until(() => src.closed);
      await ticks(2);
      expect(got).toEqual([0, 1, 2, 3, 4]);
      expect(src.destroyed).toBe(true);
      expect(listenerCounts(src, STREAM_EVENTS)).toEqual(before);
    });

    it('delivers the items of a Readable source in order, and on destroy() while it waits for more destroys it with no listener left', async () => {
      const src = pushedReadable(10); // like a socket that has sent 10 items and not ended
      const before = listenerCounts(src, STREAM_EVENTS);
      const d = fromDuplex({ source: src, sink: async () => {} }, { readableHighWaterMark: 2 });
      const got: number[] = [];
      d.on('data', (n: number) => got.push(n));
      await until(() => got.length === 10);
      const closed = closeEvent(d);
      d.destroy();
      await closed;
      await until(() => src.closed);
      await ticks(2);
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(src.destroyed).toBe(true);
      expect(listenerCounts(src, STREAM_EVENTS)).toEqual(before);
    });

    it('destroys a Readable source when destroyed before the first read', async () => {
      const src = pushedReadable(3);
      const before = listenerCounts(src, STREAM_EVENTS);
      const d = fromDuplex({ source: src, sink: async () => {} });
      d.destroy();
      await closeEvent(d);
      await until(() => src.closed);
      expect(listenerCounts(src, STREAM_EVENTS)).toEqual(before);
    });

    it("stops gracefully when a genstream stage below stops early: the pipeline resolves and every finally runs once", async () => {
      const upstream = counted();
      const echo = echoDuplex<number>();
      const got: number[] = [];
      await pipeline(
        toReadable(upstream.source),
        fromDuplex(echo),
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const x of source) {
            got.push(x);
            if (got.length === 3) return;
          }
        }),
      );
      expect(got).toEqual([0, 1, 2]);
      await until(() => upstream.state.finallies === 1 && echo.state.sourceFinallies === 1 && echo.state.sinkFinallies === 1);
      expect(echo.state.sinkError).toBeUndefined(); // its source ended gracefully
    });
  });

  describe('round trip', () => {
    it('fromDuplex(toDuplex(x)) behaves like x in a pipeline', async () => {
      const x = fromGen(async function* (source: AsyncIterable<number>) {
        for await (const n of source) yield n * 2;
      });
      const out: number[] = [];
      await pipeline(toReadable([1, 2, 3]), fromDuplex(toDuplex(x)), collect(out));
      expect(out).toEqual([2, 4, 6]);
      expect(x.destroyed).toBe(true);
    });

    it('fromDuplex(toDuplex(x)): destroying the outer Duplex destroys x and runs its stage finally', async () => {
      let finallies = 0;
      const x = fromGen(async function* (source: AsyncIterable<number>) {
        try {
          for await (const n of source) yield n;
        } finally {
          finallies++;
        }
      });
      const outer = fromDuplex(toDuplex(x));
      outer.write(1);
      outer.read(0);
      await until(() => outer.readableLength === 1);
      outer.destroy();
      await until(() => x.destroyed && finallies === 1);
    });

    it('fromDuplex(toDuplex(x)) destroyed before anything was written or read still destroys x', async () => {
      const x = new PassThrough({ objectMode: true });
      const outer = fromDuplex(toDuplex(x));
      outer.read(0);
      await ticks(3);
      outer.destroy();
      await until(() => x.destroyed);
    });
  });

  describe('arguments', () => {
    it('throws a GenstreamArgumentError at call time for a value that is not an object, showing what it got', () => {
      for (const [bad, got] of [
        [undefined, '`undefined`'],
        [null, '`null`'],
        [42, '`42` (number)'],
        [() => {}, 'an anonymous function'],
      ] as const) {
        const err = thrown(() => fromDuplex(bad as never));
        expect(err).toBeInstanceOf(GenstreamArgumentError);
        expect((err as Error).message).toBe(`fromDuplex: expected \`duplex\` to be a duplex iterable \`{ source, sink }\`, got ${got}`);
      }
    });

    it('says a Node stream is already a Duplex', () => {
      const err = thrown(() => fromDuplex(new PassThrough() as never));
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect((err as Error).message).toMatch(/not a Node stream \(which is a Duplex already\), got an object \(PassThrough\)$/);
    });

    it('names `duplex.source` when it is missing or not iterable', () => {
      const missing = thrown(() => fromDuplex({ sink: async () => {} } as never));
      expect(missing).toBeInstanceOf(GenstreamArgumentError);
      expect((missing as Error).message).toBe('fromDuplex: expected `duplex.source` to be an iterable or async iterable, got `undefined`');
      const bad = thrown(() => fromDuplex({ source: 5, sink: async () => {} } as never));
      expect((bad as Error).message).toBe('fromDuplex: expected `duplex.source` to be an iterable or async iterable, got `5` (number)');
      const promise = thrown(() => fromDuplex({ source: Promise.resolve([]), sink: async () => {} } as never));
      expect((promise as Error).message).toMatch(/`duplex.source` .* got an object \(Promise\)$/);
    });

    it('names `duplex.sink` when it is missing or not a function', () => {
      const missing = thrown(() => fromDuplex({ source: [] } as never));
      expect(missing).toBeInstanceOf(GenstreamArgumentError);
      expect((missing as Error).message).toBe('fromDuplex: expected `duplex.sink` to be a function `(source) => Promise<void>`, got `undefined`');
      const bad = thrown(() => fromDuplex({ source: [], sink: 'nope' } as never));
      expect((bad as Error).message).toMatch(/`duplex.sink` .* got `"nope"` \(string\)$/);
    });

    it('throws at call time for bad options, naming the option', () => {
      const d = { source: [], sink: async () => {} };
      expect((thrown(() => fromDuplex(d, { highWaterMark: -1 })) as Error).message).toMatch(/options\.highWaterMark/);
      expect((thrown(() => fromDuplex(d, { objectMode: 'yes' as never })) as Error).message).toMatch(/options\.objectMode/);
      expect((thrown(() => fromDuplex(d, { signal: {} as never })) as Error).message).toMatch(/options\.signal/);
      expect(thrown(() => fromDuplex(d, 5 as never))).toBeInstanceOf(GenstreamArgumentError);
    });
  });

  describe('types', () => {
    it('infers the item types from source and sink without generic arguments', () => {
      const d = fromDuplex({
        source: (async function* () {
          yield 1;
        })(),
        sink: async (source: AsyncIterable<string>) => {
          for await (const _ of source);
        },
      });
      expectTypeOf(d).toEqualTypeOf<TypedDuplex<string, number>>();
      expectTypeOf(fromDuplex({ source: ['a'], sink: async (_: AsyncIterable<Buffer>) => {} })).toEqualTypeOf<TypedDuplex<Buffer, string>>();
      const typed: DuplexIterable<number, boolean> = { source: [true], sink: async () => {} };
      expectTypeOf(fromDuplex(typed)).toEqualTypeOf<TypedDuplex<number, boolean>>();
      const _typeErrors = (): void => {
        // @ts-expect-error a sink is a function
        fromDuplex({ source: [1], sink: 1 });
        // @ts-expect-error a source is iterable
        fromDuplex({ source: 1, sink: async () => {} });
      };
      expectTypeOf(_typeErrors).toBeFunction(); // compiled, never run
      expect(d).toBeInstanceOf(Duplex);
      d.destroy();
    });

    it('round-trips the types through toDuplex', () => {
      const x = fromGen(async function* (source: AsyncIterable<number>) {
        for await (const n of source) yield String(n);
      });
      const d = fromDuplex(toDuplex(x));
      expectTypeOf(d).toEqualTypeOf<TypedDuplex<number, string>>();
      d.destroy();
    });
  });
});

describe('fromDuplex: the duplex object', () => {
  it('calls a sink written as a method with `this` set to the duplex object', async () => {
    const conn = {
      received: [] as number[],
      source: [1],
      async sink(this: { received: number[] }, input: AsyncIterable<number>) {
        for await (const n of input) this.received.push(n);
      },
    };
    const d = fromDuplex(conn);
    d.end(7);
    d.resume();
    await finished(d);
    expect(conn.received).toEqual([7]);
  });
});
