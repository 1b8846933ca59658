import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  AlreadyUsedError,
  fromGen,
  GenstreamArgumentError,
  InvalidChunkError,
  NotIterableError,
  NullValueError,
  toReadable,
  toWritable,
} from '../../lib/index.js';
import {
  abortListeners,
  collect,
  Flow,
  take,
  TestError,
  ticks,
  toArray,
  until,
  watchUnhandled,
  settledError,
} from '../helpers.js';

watchUnhandled();

/** Collects a byte stream's `'data'` chunks (to see how many there were and their type). */
function chunks(r: Readable): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const out: unknown[] = [];
    r.on('data', (c) => out.push(c));
    r.on('end', () => resolve(out));
    r.on('error', reject);
  });
}

/** Waits for the stream's `'error'` and returns what it carried. */
function errorOf(r: Readable): Promise<unknown> {
  return new Promise((resolve) => r.once('error', resolve));
}

describe('toReadable', () => {
  describe('sources', () => {
    it('reads a sync iterable (an array, a Set) in order', async () => {
      expect(await toArray(toReadable([1, 2, 3]))).toEqual([1, 2, 3]);
      expect(await toArray(toReadable(new Set(['a', 'b'])))).toEqual(['a', 'b']);
    });

    it('reads an async iterable object', async () => {
      const iterable: AsyncIterable<number> = {
        async *[Symbol.asyncIterator]() {
          yield 1;
          yield 2;
        },
      };
      expect(await toArray(toReadable(iterable))).toEqual([1, 2]);
    });

    it('reads a sync and an async generator function (a factory), calling it only on the first read', async () => {
      let calls = 0;
      function* syncGen() {
        calls++;
        yield 1;
        yield 2;
      }
      const r = toReadable(syncGen);
      await ticks(2);
      expect(calls).toBe(0);
      expect(await toArray(r)).toEqual([1, 2]);
      expect(calls).toBe(1);
      async function* asyncGen() {
        yield 'x';
        yield 'y';
      }
      expect(await toArray(toReadable(asyncGen))).toEqual(['x', 'y']);
    });

    it('reads a generator object that was already created', async () => {
      async function* gen() {
        yield 1;
        yield 2;
      }
      expect(await toArray(toReadable(gen()))).toEqual([1, 2]);
    });

    it('emits a string as one chunk, never character by character', async () => {
      expect(await toArray(toReadable('hello'))).toEqual(['hello']);
      expect(await toArray(toReadable(() => 'from a factory'))).toEqual(['from a factory']);
    });

    it('emits a Buffer as one chunk, in object mode and in byte mode', async () => {
      const buf = Buffer.from('bytes');
      const out = await toArray(toReadable(buf));
      expect(out).toHaveLength(1);
      expect(out[0]).toBe(buf);
      const byteChunks = await chunks(toReadable(Buffer.from('abc'), { objectMode: false }));
      expect(byteChunks).toEqual([Buffer.from('abc')]);
    });

    it('decodes byte mode with an encoding, including a character split across chunks', async () => {
      const r = toReadable(['h', Buffer.from([0xc3]), Buffer.from([0xa9, 0x6c]), 'lo'], {
        objectMode: false,
        encoding: 'utf8',
      });
      const out = await chunks(r);
      expect(out.every((c) => typeof c === 'string')).toBe(true);
      expect(out.join('')).toBe('héllo'); // 'h' + 'é' (0xc3 0xa9, split) + 'l' + 'lo'
    });
  });

  describe('backpressure', () => {
    it('pulls nothing before anyone reads, then nothing past highWaterMark', async () => {
      const hwm = 4;
      const flow = new Flow();
      const r = toReadable(flow.source(), { highWaterMark: hwm });
      await ticks(5);
      expect(flow.produced).toBe(0);
      r.read(0); // ask for data without taking any
      await until(() => r.readableLength === hwm);
      await ticks(5);
      expect(flow.produced).toBe(hwm);
      expect(r.read()).toBe(0); // take one: the stream may pull one more to refill
      await ticks(5);
      expect(flow.produced).toBe(hwm + 1);
      r.destroy();
      await until(() => flow.finallies > 0);
    });

    it('pulls a sync generator only up to highWaterMark', async () => {
      let pulls = 0;
      function* naturals() {
        for (let i = 0; ; i++) {
          pulls++;
          yield i;
        }
      }
      const r = toReadable(naturals, { highWaterMark: 3 });
      await ticks(3);
      expect(pulls).toBe(0);
      r.read(0);
      await ticks(5);
      expect(pulls).toBe(3);
      r.destroy();
    });

    it('keeps the items in flight within highWaterMark + 1 with a slow for await consumer', async () => {
      const hwm = 4;
      const flow = new Flow();
      for await (const _ of toReadable(flow.source(), { highWaterMark: hwm })) {
        await flow.consume();
        if (flow.consumed === 200) break;
      }
      // The readable buffer (hwm) plus the item being produced (the consumer's item was taken out of
      // the buffer, which is what let the producer make one more).
      expect(flow.peak).toBeLessThanOrEqual(hwm + 1);
      expect(flow.peak).toBe(hwm + 1);
      expect(flow.produced - flow.consumed).toBeLessThanOrEqual(hwm + 1);
      await until(() => flow.finallies > 0);
    });

    it('keeps a fast producer into a slow toWritable sink bounded', async () => {
      const hwm = 4;
      const flow = new Flow();
      await pipeline(
        toReadable(flow.source(500), { highWaterMark: hwm }),
        toWritable(flow.slowSink(), { highWaterMark: hwm }),
      );
      // The readable buffer (hwm), toWritable's writable side: Node's write buffer (hwm, counting the
      // write whose callback the inbox holds) plus the inbox (hwm), the sink's item (1), the item
      // being produced (1): 3·hwm + 2 = 14.
      expect(flow.consumed).toBe(500);
      expect(flow.peak).toBeLessThanOrEqual(3 * hwm + 2);
      expect(flow.peak).toBeGreaterThan(hwm);
    });
  });

  describe('cleanup', () => {
    it('runs the generator finally exactly once on normal end', async () => {
      const flow = new Flow();
      expect(await toArray(toReadable(flow.source(3)))).toEqual([0, 1, 2]);
      expect(flow.finallies).toBe(1);
    });

    it('runs the generator finally once on destroy() in the middle of the stream', async () => {
      const flow = new Flow();
      const r = toReadable(flow.source(), { highWaterMark: 2 });
      r.read(0);
      await until(() => flow.produced >= 2);
      expect(r.read()).toBe(0);
      r.destroy();
      await until(() => flow.finallies > 0);
      await ticks(2);
      expect(flow.finallies).toBe(1);
    });

    it('runs the generator finally once and errors with an AbortError when options.signal aborts', async () => {
      const ac = new AbortController();
      const flow = new Flow();
      const r = toReadable(flow.source(), { highWaterMark: 2, signal: ac.signal });
      const errors: unknown[] = [];
      r.on('error', (e) => errors.push(e));
      r.read(0);
      await until(() => flow.produced >= 2);
      ac.abort();
      await until(() => flow.finallies > 0 && r.closed);
      await ticks(2);
      expect(flow.finallies).toBe(1);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).name).toBe('AbortError');
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it('runs the generator finally once when the downstream sink throws', async () => {
      const err = new TestError('sink');
      const flow = new Flow();
      const sink = toWritable(async (source: AsyncIterable<number>) => {
        for await (const x of source) if (x === 2) throw err;
      });
      await expect(pipeline(toReadable(flow.source()), sink)).rejects.toBe(err);
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it('ends an infinite source gracefully when a fromGen take(5) below stops early, and the pipeline resolves', async () => {
      const flow = new Flow();
      const out: number[] = [];
      await pipeline(toReadable(flow.source()), fromGen(take<number>(5)), collect(out));
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(flow.finallies).toBe(1);
    });

    it('ends an infinite sync generator gracefully when the toWritable sink returns after 5 items', async () => {
      let finallies = 0;
      function* naturals() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          finallies++;
        }
      }
      const got: number[] = [];
      const r = toReadable(naturals);
      await pipeline(
        r,
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const x of source) {
            got.push(x);
            if (got.length === 5) return;
          }
        }),
      );
      expect(got).toEqual([0, 1, 2, 3, 4]);
      expect(finallies).toBe(1);
      expect(r.readableEnded).toBe(true); // ended, not destroyed with an error
    });

    it('leaves no listener on options.signal after a normal end', async () => {
      const ac = new AbortController();
      expect(await toArray(toReadable([1, 2], { signal: ac.signal }))).toEqual([1, 2]);
      await ticks(1);
      expect(abortListeners(ac.signal)).toBe(0);
    });
  });

  describe('errors', () => {
    it("emits the source's error as the same object, exactly once, and rejects the pipeline with it", async () => {
      const err = new TestError('source');
      async function* failing() {
        yield 1;
        throw err;
      }
      const r = toReadable(failing);
      const errors: unknown[] = [];
      r.on('error', (e) => errors.push(e));
      await expect(pipeline(r, collect([]))).rejects.toBe(err);
      await ticks(2);
      expect(errors).toEqual([err]);
    });

    it('emits the same error object when a sync iterator or the factory throws', async () => {
      const err = new TestError('sync');
      function* failing() {
        yield 1;
        throw err;
      }
      expect(await errorOf(toReadable(failing).resume())).toBe(err);
      const err2 = new TestError('factory');
      const factory = (): number[] => {
        throw err2;
      };
      expect(await errorOf(toReadable(factory).resume())).toBe(err2);
    });

    it('fails with a NullValueError naming the source when it yields null, and runs its finally', async () => {
      let finallies = 0;
      async function* rows() {
        try {
          yield 1;
          yield null;
          yield 2;
        } finally {
          finallies++;
        }
      }
      const out: unknown[] = [];
      const err = await pipeline(toReadable(rows), collect(out)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NullValueError);
      expect((err as NullValueError).code).toBe('ERR_GENSTREAM_NULL_VALUE');
      expect((err as Error).message).toMatch(/^toReadable: source "rows" yielded null or undefined/);
      expect(out).toEqual([1]);
      await until(() => finallies > 0);
      expect(finallies).toBe(1);
    });

    it('fails with a NullValueError when a sync iterable holds undefined, naming options.name', async () => {
      const r = toReadable([1, undefined, 3], { name: 'ids' });
      const err = await errorOf(r.resume());
      expect(err).toBeInstanceOf(NullValueError);
      expect((err as Error).message).toContain('toReadable: source "ids" yielded null or undefined');
    });

    it('fails with an InvalidChunkError when a byte-mode source yields a number', async () => {
      const r = toReadable(['ok', 42], { objectMode: false });
      const err = await errorOf(r.resume());
      expect(err).toBeInstanceOf(InvalidChunkError);
      expect((err as InvalidChunkError).code).toBe('ERR_GENSTREAM_INVALID_CHUNK');
      expect((err as Error).message).toContain('`42` (number) into a byte stream');
    });

    it('fails with a NotIterableError when the factory returns something that is not iterable', async () => {
      const r = toReadable(function makeRows() {
        return 42 as unknown as number[];
      });
      const err = await errorOf(r.resume());
      expect(err).toBeInstanceOf(NotIterableError);
      expect((err as Error).message).toContain('toReadable: source "makeRows" returned `42` (number)');
    });
  });

  describe('bad input', () => {
    it('throws a TypeError naming `source` at call time for a non-iterable source', () => {
      for (const [bad, shown] of [
        [42, '`42` (number)'],
        [null, '`null`'],
        [undefined, '`undefined`'],
        [{ a: 1 }, 'an object (Object)'],
      ] as const) {
        const call = () => toReadable(bad as never);
        expect(call).toThrow(TypeError);
        expect(call).toThrow(GenstreamArgumentError);
        expect(call).toThrow(`toReadable: expected \`source\` to be an iterable, an async iterable, a string/Buffer, or a function returning one, got ${shown}`);
      }
    });

    it('throws at call time for bad options, naming the option', () => {
      expect(() => toReadable([1], { highWaterMark: 1.5 })).toThrow('toReadable: expected `options.highWaterMark` to be a non-negative integer, got `1.5` (number)');
      expect(() => toReadable([1], { objectMode: 1 as never })).toThrow('`options.objectMode` to be a boolean');
      expect(() => toReadable([1], { name: 3 as never })).toThrow('`options.name` to be a string');
    });
  });
});

describe('toReadable at the edges', () => {
  it('delivers the items produced before an error, then the error (as Readable.from does)', async () => {
    const err = new TestError('after two');
    async function* g() {
      yield 1;
      yield 2;
      throw err;
    }
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of toReadable(g())) got.push(x);
      })(),
    ).rejects.toBe(err);
    expect(got).toEqual([1, 2]);
  });

  it('delivers them in a pipeline too, and the pipeline rejects with the same error', async () => {
    const err = new TestError('after three');
    const out: number[] = [];
    // A Writable that takes each item at once (an async sink's own queue is dropped when the pipeline fails).
    const sink = new Writable({ objectMode: true, write: (chunk: number, _enc, cb) => void (out.push(chunk), cb()) });
    await expect(
      pipeline(
        toReadable(function* () {
          yield* [1, 2, 3];
          throw err;
        }),
        sink,
      ),
    ).rejects.toBe(err);
    expect(out).toEqual([1, 2, 3]);
  });

  it('settles a promise yielded by a sync iterator before asking it for the next item', async () => {
    const err = new TestError('rejected item');
    const steps: string[] = [];
    function* g(): Generator<unknown> {
      steps.push('first');
      yield Promise.resolve(1);
      steps.push('second');
      yield Promise.reject(err);
      steps.push('third'); // must never run: the rejection ends the stream
      yield 3;
    }
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const x of toReadable(g())) got.push(x);
      })(),
    ).rejects.toBe(err);
    expect(got).toEqual([1]);
    expect(steps).toEqual(['first', 'second']);
  });

  it('yields the values of resolved promises from a sync iterable, in order', async () => {
    const slow = new Promise((resolve) => setTimeout(() => resolve('a'), 5));
    expect(await toArray(toReadable([slow, Promise.resolve('b'), 'c']))).toEqual(['a', 'b', 'c']);
  });

  it("throws destroy(err)'s error into the generator (its catch sees why), then runs its finally once", async () => {
    const err = new TestError('why');
    const seen: unknown[] = [];
    let finallies = 0;
    const r = toReadable(async function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } catch (e) {
        seen.push(e);
        throw e;
      } finally {
        finallies++;
      }
    });
    r.on('error', () => {});
    await new Promise<void>((resolve) => r.once('readable', resolve));
    r.destroy(err);
    await until(() => finallies === 1);
    expect(seen).toEqual([err]);
  });

  it('returns the generator (finally, no catch) on destroy() without an error', async () => {
    const seen: unknown[] = [];
    let finallies = 0;
    const r = toReadable(async function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } catch (e) {
        seen.push(e);
      } finally {
        finallies++;
      }
    });
    await new Promise<void>((resolve) => r.once('readable', resolve));
    r.destroy();
    await until(() => finallies === 1);
    expect(seen).toEqual([]);
  });

  it('ends a generator that catches the destroy error and yields again', async () => {
    let finallies = 0;
    const r = toReadable(async function* () {
      try {
        for (let i = 0; ; i++) {
          try {
            yield i;
          } catch {
            // swallowed: keeps going, so it must be returned
          }
        }
      } finally {
        finallies++;
      }
    });
    r.on('error', () => {});
    await new Promise<void>((resolve) => r.once('readable', resolve));
    r.destroy(new TestError('stop'));
    await until(() => finallies === 1);
  });

  it('fails a second pipeline with AlreadyUsedError instead of piping nothing', async () => {
    const r = toReadable([1, 2]);
    await pipeline(r, collect([]));
    const out: unknown[] = [];
    const err = await pipeline(r, collect(out)).then(...settledError);
    expect(err).toBeInstanceOf(AlreadyUsedError);
    expect((err as Error).message).toMatch(/^toReadable: source: this stream has already finished/);
  });
});

describe('toReadable over sync iterators that yield promises, and destroy() of a sync generator', () => {
  it('fails a stream nobody reads from at once: there is no reader to hand its buffered items to', async () => {
    const err = new TestError('unread');
    const r = toReadable(function* () {
      yield 1;
      yield 2;
      throw err;
    });
    const failed = new Promise((resolve) => r.once('error', resolve));
    r.read(0); // starts the source without consuming: readableFlowing stays null
    expect(await failed).toBe(err);
    expect(r.destroyed).toBe(true);
  });

  it('keeps backpressure with promise items: at most highWaterMark + 1 settled ahead of a slow consumer', async () => {
    let produced = 0;
    let consumed = 0;
    let peak = 0;
    function* g(): Generator<Promise<number>> {
      for (let i = 0; i < 30; i++) {
        produced++;
        peak = Math.max(peak, produced - consumed);
        yield Promise.resolve(i);
      }
    }
    const got: number[] = [];
    for await (const x of toReadable(g(), { highWaterMark: 2 })) {
      await ticks(2);
      consumed++;
      got.push(x as number);
    }
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(peak).toBeLessThanOrEqual(2 + 2);
  });

  it('ends a promise-yielding sync generator gracefully when a genstream stage below stops early', async () => {
    let finallies = 0;
    function* g(): Generator<Promise<number>> {
      try {
        for (let i = 0; ; i++) yield new Promise((resolve) => setImmediate(() => resolve(i)));
      } finally {
        finallies++;
      }
    }
    const out: number[] = [];
    await pipeline(toReadable(g()), fromGen(take<number>(2)), collect(out));
    expect(out).toEqual([0, 1]);
    expect(finallies).toBe(1);
  });

  it("throws destroy(err)'s error into a suspended sync generator, and returns it if it keeps yielding", async () => {
    const err = new TestError('why');
    const seen: unknown[] = [];
    let finallies = 0;
    const r = toReadable(
      function* () {
        try {
          for (let i = 0; ; i++) {
            try {
              yield i;
            } catch (e) {
              seen.push(e); // swallowed: it would go on, so it must be returned
            }
          }
        } finally {
          finallies++;
        }
      },
      { highWaterMark: 1 },
    );
    r.on('error', () => {});
    r.read(0);
    r.destroy(err);
    await until(() => finallies === 1);
    expect(seen).toEqual([err]);
  });
});

describe('toReadable with sources that are not iterable, and a finally that throws', () => {
  it('fails with NotIterableError when the factory returns undefined or a number', async () => {
    for (const bad of [undefined, 42]) {
      const err = await toArray(toReadable(() => bad as never)).then(...settledError);
      expect(err).toBeInstanceOf(NotIterableError);
    }
  });

  it('fails the stream with the error a generator throws from its finally during a graceful stop', async () => {
    const err = new TestError('finally failed');
    async function* g() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw err;
      }
    }
    const r = toReadable(g());
    const failed = await pipeline(r, fromGen(take<number>(2)), collect([])).then(...settledError);
    expect(failed).toBe(err);
  });
});

describe('toReadable keeps one next() in flight and waits for return() before ending', () => {
  it('never asks an async iterator for a second item before the first has settled', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let i = 0;
    const source: AsyncIterableIterator<number> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise((resolve) =>
          setImmediate(() => {
            inFlight--;
            resolve(i < 50 ? { done: false, value: i++ } : { done: true, value: undefined });
          }),
        );
      },
    };
    const got: number[] = [];
    for await (const x of toReadable(source, { highWaterMark: 4 })) got.push(x as number);
    expect(got).toHaveLength(50);
    expect(maxInFlight).toBe(1);
  });

  it('ends its readable side only after an async generator has finished its finally on a graceful stop', async () => {
    let finallyDone = false;
    async function* g() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 5));
        finallyDone = true;
      }
    }
    await pipeline(toReadable(g()), fromGen(take<number>(2)), collect([]));
    expect(finallyDone).toBe(true);
  });

  it('does not turn a rejecting return() into an unhandled rejection when destroyed', async () => {
    let returned = 0;
    const source: AsyncIterableIterator<number> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => Promise.resolve({ done: false, value: 1 }),
      return() {
        returned++;
        return Promise.reject(new TestError('return failed'));
      },
    };
    const r = toReadable(source, { highWaterMark: 1 });
    await new Promise<void>((resolve) => r.once('readable', resolve));
    r.destroy();
    await ticks(5); // watchUnhandled() fails the test on an unhandled rejection
    expect(returned).toBe(1);
  });
});
