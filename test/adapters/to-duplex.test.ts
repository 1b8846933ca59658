import { Duplex, PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { fromDuplex } from '../../lib/adapters/from-duplex.js';
import { toDuplex, type AsyncDuplexIterable } from '../../lib/adapters/to-duplex.js';
import { AbortError, AlreadyUsedError, fromGen, GenstreamArgumentError, toReadable } from '../../lib/index.js';
import {
  abortListeners,
  collect,
  deferred,
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

/** An object-mode Transform doubling numbers. */
function doubler(): Transform {
  return new Transform({
    objectMode: true,
    transform(n: number, _enc, cb) {
      cb(null, n * 2);
    },
  });
}

/**
 * A hand-written object-mode Duplex: its readable side makes 0, 1, 2, ... on demand (`count` items),
 * counting them; its writable side completes each write one macrotask later (a slow peer), recording
 * what it got, and wraps `write()` to count the calls that returned false.
 */
function slowPeer(options: { count?: number; highWaterMark?: number; finalDelay?: Promise<void> } = {}) {
  const state = { produced: 0, written: [] as unknown[], falses: 0, finalled: false };
  const count = options.count ?? Infinity;
  const d = new Duplex({
    objectMode: true,
    highWaterMark: options.highWaterMark,
    read() {
      if (state.produced >= count) this.push(null);
      else this.push(state.produced++);
    },
    write(chunk, _enc, cb) {
      state.written.push(chunk);
      setImmediate(cb);
    },
    final(cb) {
      void (options.finalDelay ?? Promise.resolve()).then(() => {
        state.finalled = true;
        cb();
      });
    },
  });
  const write = d.write;
  d.write = function countedWrite(this: Duplex, ...args: unknown[]): boolean {
    const ok = (write as (...a: unknown[]) => boolean).apply(this, args);
    if (!ok) state.falses++;
    return ok;
  } as Duplex['write'];
  return { d, state };
}

/** A source generator counting its `finally`; it waits for `gate` before its item at index `waitAt`. */
function gatedSource<T>(items: T[], waitAt = -1, gate?: Promise<void>) {
  const state = { finallies: 0, yielded: 0, waiting: false };
  async function* source(): AsyncGenerator<T, void, undefined> {
    try {
      for (let i = 0; i < items.length; i++) {
        if (i === waitAt) {
          state.waiting = true;
          await gate;
          state.waiting = false;
        }
        state.yielded++;
        yield items[i];
      }
    } finally {
      state.finallies++;
    }
  }
  return { state, source: source() };
}

describe('toDuplex', () => {
  describe('data flow', () => {
    it('reads the readable side in order through `source`, and `sink` writes, ends and resolves', async () => {
      const x = doubler();
      const { source, sink } = toDuplex(x);
      const sent = sink([1, 2, 3]);
      expect(await toArray(source)).toEqual([2, 4, 6]);
      await sent;
      expect(x.writableFinished).toBe(true);
    });

    it('echoes through a PassThrough: what the sink writes, the source yields, in order', async () => {
      const { source, sink } = toDuplex(new PassThrough({ objectMode: true, highWaterMark: 4 }));
      const items = Array.from({ length: 1000 }, (_, i) => ({ i }));
      const [got] = await Promise.all([toArray(source), sink(items)]);
      expect(got).toEqual(items);
    });

    it('carries bytes in byte mode, and writes a string or a Buffer given to sink as one chunk', async () => {
      const x = new PassThrough();
      const chunks: Buffer[] = [];
      const { source, sink } = toDuplex(x);
      const reading = (async () => {
        for await (const c of source) chunks.push(c as Buffer);
      })();
      await sink('hello world');
      await reading;
      expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
      expect(Buffer.concat(chunks).toString()).toBe('hello world');

      const written: unknown[] = [];
      const w = new Duplex({
        read() {},
        write(chunk, _enc, cb) {
          written.push(chunk);
          cb();
        },
      });
      await toDuplex(w).sink(Buffer.from('abc'));
      expect(written).toEqual([Buffer.from('abc')]);
      w.destroy();
    });

    it("resolves the sink only after the writable side finished (its final() done, 'finish' emitted)", async () => {
      const finalDelay = deferred();
      const peer = slowPeer({ count: 0, finalDelay: finalDelay.promise });
      let resolved = false;
      const sent = toDuplex(peer.d)
        .sink([1, 2])
        .then(() => (resolved = true));
      await until(() => peer.state.written.length === 2);
      await ticks(5);
      expect(resolved).toBe(false);
      finalDelay.resolve();
      await sent;
      expect(peer.state.finalled).toBe(true);
      expect(peer.d.writableFinished).toBe(true);
      peer.d.destroy();
    });
  });

  describe('backpressure', () => {
    it('reads the readable side only as the loop asks: produced but unread stays within readableHighWaterMark + 2', async () => {
      const peer = slowPeer({ count: 100, highWaterMark: 4 });
      let consumed = 0;
      let peak = 0;
      const { source } = toDuplex(peer.d);
      for await (const _ of source) {
        peak = Math.max(peak, peer.state.produced - consumed);
        await tick();
        consumed++;
      }
      expect(consumed).toBe(100);
      expect(peak).toBeLessThanOrEqual(4 + 2);
      peer.d.destroy();
    });

    it('reads nothing before the loop starts, and at most highWaterMark items while the loop waits', async () => {
      const peer = slowPeer({ highWaterMark: 4 });
      const { source } = toDuplex(peer.d);
      await ticks(5);
      expect(peer.state.produced).toBe(0);
      const it = source[Symbol.asyncIterator]();
      await it.next();
      await ticks(20);
      expect(peer.state.produced).toBeLessThanOrEqual(4 + 1);
      await it.return?.();
      expect(peer.d.destroyed).toBe(true);
    });

    it('waits when write() returns false: a fast source into a slow writable side stays bounded', async () => {
      const hwm = 4;
      const peer = slowPeer({ count: 0, highWaterMark: hwm });
      const state = { produced: 0, peak: 0, finallies: 0 };
      const source = (async function* () {
        try {
          for (let i = 0; i < 200; i++) {
            state.produced++;
            // made but not yet handed to the peer's write(): in the writable buffer, or in hand
            state.peak = Math.max(state.peak, state.produced - peer.state.written.length);
            yield i;
          }
        } finally {
          state.finallies++;
        }
      })();
      await toDuplex(peer.d).sink(source);
      expect(peer.state.written).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(peer.state.falses).toBeGreaterThan(0);
      // the writable buffer (hwm) plus the item being made
      expect(state.peak).toBeLessThanOrEqual(hwm + 1);
      expect(state.finallies).toBe(1);
      peer.d.destroy();
    });
  });

  describe('errors', () => {
    it('destroys the duplex with the error of the sink source; the sink and the source loop reject with the same object', async () => {
      const boom = new TestError('sink source failed');
      const x = new PassThrough({ objectMode: true });
      const { source, sink } = toDuplex(x);
      const reading = toArray(source).then(...settledError);
      const sinkErr = await sink(
        (async function* () {
          yield 1;
          throw boom;
        })(),
      ).then(...settledError);
      expect(sinkErr).toBe(boom);
      expect(await reading).toBe(boom);
      expect(x.destroyed).toBe(true);
      expect(x.errored).toBe(boom);
    });

    it("rejects the source loop and the sink with the duplex's error object, and returns the sink source", async () => {
      const boom = new TestError('peer reset');
      const peer = slowPeer({ highWaterMark: 2 });
      const { source, sink } = toDuplex(peer.d);
      const flow = new Flow();
      const sending = sink(flow.source()()).then(...settledError);
      const got: unknown[] = [];
      const readErr = await (async () => {
        for await (const x of source) {
          got.push(x);
          if (got.length === 3) peer.d.destroy(boom);
        }
      })().then(...settledError);
      expect(readErr).toBe(boom);
      expect(await sending).toBe(boom);
      await until(() => flow.finallies === 1);
    });

    it('rejects the sink at once when the duplex fails while the sink source waits for an item, and returns that source when the item comes', async () => {
      const boom = new TestError('peer reset');
      const x = new PassThrough({ objectMode: true });
      const gate = deferred();
      const src = gatedSource([1, 2, 3], 1, gate.promise);
      const sending = toDuplex(x).sink(src.source).then(...settledError);
      await until(() => src.state.waiting); // the sink asked for item 2, which does not come yet
      x.destroy(boom);
      expect(await sending).toBe(boom);
      expect(src.state.finallies).toBe(0); // it waits inside user code
      gate.resolve();
      await until(() => src.state.finallies === 1);
      expect(src.state.yielded).toBe(2);
    });

    it('rejects the sink given something that is not iterable, naming it, without using the sink up', async () => {
      const x = new PassThrough({ objectMode: true });
      const { sink } = toDuplex(x);
      const err = await sink(42 as never).then(...settledError);
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect((err as Error).message).toBe('toDuplex sink: expected `source` to be an iterable or async iterable, got `42` (number)');
      x.resume();
      await sink([1]);
    });
  });

  describe('cleanup', () => {
    it("breaking out of source while the sink writes destroys the duplex; the sink rejects with ERR_STREAM_PREMATURE_CLOSE and its source's finally runs once", async () => {
      const x = new PassThrough({ objectMode: true, highWaterMark: 2 });
      const before = listenerCounts(x, STREAM_EVENTS);
      const { source, sink } = toDuplex(x);
      const flow = new Flow();
      const sending = sink(flow.source()()).then(...settledError);
      for await (const n of source) if (n === 5) break;
      expect(x.destroyed).toBe(true);
      const err = await sending;
      expect((err as { code?: string }).code).toBe('ERR_STREAM_PREMATURE_CLOSE');
      await until(() => flow.finallies === 1);
      await until(() => x.closed);
      await ticks(2);
      expect(flow.finallies).toBe(1);
      expect(listenerCounts(x, STREAM_EVENTS)).toEqual(before);
    });

    it('with destroyOnReturn: false, breaking out of source leaves the duplex open and the sink completes', async () => {
      const peer = slowPeer({ highWaterMark: 2 });
      const before = listenerCounts(peer.d, STREAM_EVENTS);
      const { source, sink } = toDuplex(peer.d, { destroyOnReturn: false });
      for await (const n of source) if (n === 3) break;
      expect(peer.d.destroyed).toBe(false);
      await sink([1, 2, 3]);
      expect(peer.state.written).toEqual([1, 2, 3]);
      expect(listenerCounts(peer.d, STREAM_EVENTS)).toEqual(before);
      peer.d.destroy();
    });

    it('a source returned before its first next() destroys the duplex, as a loop that ran would have', async () => {
      const x = new PassThrough({ objectMode: true });
      const it = toDuplex(x).source[Symbol.asyncIterator]();
      await it.return?.();
      expect(x.destroyed).toBe(true);
    });

    it('leaves no listener on the duplex after a full run or an error (an early break: see above)', async () => {
      const ok = new PassThrough({ objectMode: true });
      const before = listenerCounts(ok, STREAM_EVENTS);
      const a = toDuplex(ok);
      await Promise.all([toArray(a.source), a.sink([1, 2, 3])]);
      await until(() => ok.closed);
      await ticks(2);
      expect(listenerCounts(ok, STREAM_EVENTS)).toEqual(before);

      const failing = new PassThrough({ objectMode: true });
      const before2 = listenerCounts(failing, STREAM_EVENTS);
      const b = toDuplex(failing);
      const boom = new TestError('x');
      const results = await Promise.allSettled([
        toArray(b.source),
        b.sink(
          (async function* () {
            yield 1;
            throw boom;
          })(),
        ),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      await until(() => failing.closed);
      await ticks(2);
      expect(listenerCounts(failing, STREAM_EVENTS)).toEqual(before2);
    });

    it('on options.signal abort: the duplex, the source loop and the sink all get the same AbortError, and the listener goes', async () => {
      const ac = new AbortController();
      const x = new PassThrough({ objectMode: true, highWaterMark: 2 });
      const { source, sink } = toDuplex(x, { signal: ac.signal });
      expect(abortListeners(ac.signal)).toBe(1);
      const flow = new Flow();
      const sending = sink(flow.source()()).then(...settledError);
      const readErr = (async () => {
        for await (const n of source) if (n === 3) ac.abort('stop');
      })().then(...settledError);
      const err = await readErr;
      expect(err).toBeInstanceOf(AbortError);
      expect((err as Error).cause).toBe('stop');
      expect(await sending).toBe(err);
      expect(x.errored).toBe(err);
      await until(() => flow.finallies === 1);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it('removes the abort listener once both halves are done, and destroys at once for an aborted signal', async () => {
      const ac = new AbortController();
      const x = new PassThrough({ objectMode: true });
      const before = listenerCounts(x, STREAM_EVENTS);
      const { source, sink } = toDuplex(x, { signal: ac.signal });
      await Promise.all([toArray(source), sink([1, 2])]);
      expect(abortListeners(ac.signal)).toBe(0);
      await until(() => x.closed);
      await ticks(2);
      expect(listenerCounts(x, STREAM_EVENTS)).toEqual(before);

      // Nobody listens to y's 'error': the caller's own abort does not crash the process (watchUnhandled).
      const y = new PassThrough({ objectMode: true });
      const { source: ySource } = toDuplex(y, { signal: AbortSignal.abort() });
      expect(y.destroyed).toBe(true);
      expect(y.errored).toBeInstanceOf(AbortError);
      expect(await toArray(ySource).then(...settledError)).toBe(y.errored);
    });
  });

  describe('one-shot', () => {
    it('rejects a second iteration of source with an AlreadyUsedError', async () => {
      const x = new PassThrough({ objectMode: true });
      const { source, sink } = toDuplex(x);
      await Promise.all([toArray(source), sink([1])]);
      const err = await toArray(source).then(...settledError);
      expect(err).toBeInstanceOf(AlreadyUsedError);
      expect((err as Error).message).toMatch(/^toDuplex: `source` was already iterated/);
    });

    it('rejects a second sink call with an AlreadyUsedError and returns the iterator it was given', async () => {
      const x = new PassThrough({ objectMode: true });
      x.resume();
      const { sink } = toDuplex(x);
      await sink([1]);
      const second = gatedSource([1, 2]);
      await second.source.next(); // started: its finally runs when it is returned
      const err = await sink(second.source).then(...settledError);
      expect(err).toBeInstanceOf(AlreadyUsedError);
      expect((err as Error).message).toMatch(/^toDuplex: `sink` was already called/);
      expect(second.state.finallies).toBe(1);
    });
  });

  describe('round trip', () => {
    it('toDuplex(fromDuplex(y)) behaves like y: an echo', async () => {
      const echo = echoDuplex<number>(2);
      const { source, sink } = toDuplex(fromDuplex(echo, { highWaterMark: 2 }));
      const items = Array.from({ length: 50 }, (_, i) => i);
      const [got] = await Promise.all([toArray(source), sink(items)]);
      expect(got).toEqual(items);
      expect(echo.state).toMatchObject({ sourceFinallies: 1, sinkFinallies: 1 });
    });

    it("toDuplex(fromDuplex(y)): breaking out of source returns y's source and rejects y's sink loop with an AbortError", async () => {
      const echo = echoDuplex<number>(2); // bounded: an endless writer waits for the reader
      const d = fromDuplex(echo, { highWaterMark: 2 });
      const { source, sink } = toDuplex(d);
      const sending = sink(new Flow().source()()).then(...settledError);
      for await (const n of source) if (n === 10) break;
      expect((await sending as { code?: string }).code).toBe('ERR_STREAM_PREMATURE_CLOSE');
      await until(() => echo.state.sourceFinallies === 1 && echo.state.sinkFinallies === 1);
      expect(echo.state.sinkError).toBeInstanceOf(AbortError);
      expect(d.destroyed).toBe(true);
    });

    it('fromDuplex(toDuplex(x)) goes into stream.pipeline', async () => {
      const out: number[] = [];
      await pipeline(toReadable([1, 2, 3]), fromDuplex(toDuplex(doubler())), collect(out));
      expect(out).toEqual([2, 4, 6]);
    });
  });

  describe('arguments', () => {
    it('throws a GenstreamArgumentError at call time for something that is not a Duplex, showing what it got', () => {
      for (const [bad, got] of [
        [undefined, '`undefined`'],
        [{}, 'an object (Object)'],
        [new Readable({ read() {} }), 'an object (Readable)'],
        [new Writable({ write: (_c, _e, cb) => cb() }), 'an object (Writable)'],
      ] as const) {
        const err = thrown(() => toDuplex(bad as never));
        expect(err).toBeInstanceOf(GenstreamArgumentError);
        expect((err as Error).message).toBe(`toDuplex: expected \`duplex\` to be a Duplex stream (readable and writable), got ${got}`);
      }
    });

    it('throws at call time for bad options, naming the option', () => {
      const x = new PassThrough();
      expect((thrown(() => toDuplex(x, 5 as never)) as Error).message).toMatch(/`options` to be an object/);
      expect((thrown(() => toDuplex(x, { destroyOnReturn: 'no' as never })) as Error).message).toMatch(/`options.destroyOnReturn` to be a boolean/);
      expect((thrown(() => toDuplex(x, { signal: {} as never })) as Error).message).toMatch(/`options.signal` to be an AbortSignal/);
    });
  });

  describe('types', () => {
    it('infers the item types of a typed Duplex; an untyped Duplex gives unknown', () => {
      const typed = toDuplex(
        fromGen(async function* (source: AsyncIterable<number>) {
          for await (const n of source) yield String(n);
        }),
      );
      expectTypeOf(typed).toEqualTypeOf<AsyncDuplexIterable<number, string>>();
      expectTypeOf(typed.source).toEqualTypeOf<AsyncIterable<string>>();
      expectTypeOf(typed.sink).parameter(0).toEqualTypeOf<AsyncIterable<number> | Iterable<number>>();
      const untyped = toDuplex(new PassThrough());
      expectTypeOf(untyped).toEqualTypeOf<AsyncDuplexIterable<unknown, unknown>>();
      const _typeErrors = (): void => {
        // @ts-expect-error the typed sink takes numbers
        void typed.sink(['a']);
      };
      expectTypeOf(_typeErrors).toBeFunction(); // compiled, never run
    });
  });
});
