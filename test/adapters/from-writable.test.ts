import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AlreadyUsedError, fromWritable, GenstreamArgumentError, GenstreamError, NullValueError } from '../../lib/index.js';
import {
  abortListeners,
  closeEvent,
  deferred,
  Flow,
  listenerCounts,
  STREAM_EVENTS,
  TestError,
  tick,
  ticks,
  until,
  watchUnhandled,
  settledError,
} from '../helpers.js';

watchUnhandled();

/** An object-mode Writable that completes each write one macrotask later, recording what it got. */
function slowWritable(highWaterMark: number, onWritten?: () => void) {
  const written: unknown[] = [];
  const w = new Writable({
    objectMode: true,
    highWaterMark,
    write(chunk, _enc, cb) {
      written.push(chunk);
      setImmediate(() => {
        onWritten?.();
        cb();
      });
    },
  });
  return { w, written };
}

/** A Writable that records its chunks (object mode). */
function recorder(options: { objectMode?: boolean } = {}) {
  const written: unknown[] = [];
  const w = new Writable({
    objectMode: options.objectMode ?? true,
    write(chunk, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  return { w, written };
}

describe('fromWritable', () => {
  it('writes a string or a Buffer source as one chunk, not element by element', async () => {
    const chunks: unknown[] = [];
    const sinkOf = () =>
      new Writable({
        objectMode: true,
        write(chunk, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
    await fromWritable(sinkOf())('hello');
    await fromWritable(sinkOf())(Buffer.from('ab'));
    expect(chunks).toEqual(['hello', Buffer.from('ab')]);
  });

  describe('data flow', () => {
    it("writes every item, ends the Writable and resolves on 'finish'", async () => {
      const { w, written } = recorder();
      let finishedFirst = false;
      w.on('finish', () => {
        finishedFirst = true;
      });
      await fromWritable(w)([1, 2, 3]);
      expect(written).toEqual([1, 2, 3]);
      expect(finishedFirst).toBe(true);
      expect(w.writableFinished).toBe(true);
    });

    it("resolves only after 'finish', which waits for the Writable's final()", async () => {
      const flushed = deferred();
      const w = new Writable({
        objectMode: true,
        write(_c, _e, cb) {
          cb();
        },
        final(cb) {
          flushed.promise.then(() => cb());
        },
      });
      let resolved = false;
      const done = fromWritable(w)([1]).then(() => {
        resolved = true;
      });
      await ticks(5);
      expect(w.writableEnded).toBe(true);
      expect(resolved).toBe(false);
      flushed.resolve();
      await done;
      expect(resolved).toBe(true);
    });

    it('writes an async iterable and strings with options.encoding', async () => {
      const { w, written } = recorder({ objectMode: false });
      async function* text() {
        yield 'é';
        yield 'ü';
      }
      await fromWritable(w, { encoding: 'latin1' })(text());
      expect(Buffer.concat(written as Buffer[])).toEqual(Buffer.from('éü', 'latin1'));
    });

    it('leaves the Writable open with end: false, so the sink can be used again', async () => {
      const { w, written } = recorder();
      const sink = fromWritable(w, { end: false });
      await sink([1, 2]);
      expect(w.writableEnded).toBe(false);
      await sink([3]);
      expect(written).toEqual([1, 2, 3]);
      expect(w.writableEnded).toBe(false);
      w.end();
    });

    it('rejects a second use with an AlreadyUsedError when it ends the Writable', async () => {
      const { w } = recorder();
      const sink = fromWritable(w);
      await sink([1]);
      const err = await sink([2]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AlreadyUsedError);
      expect(err).toBeInstanceOf(GenstreamError);
      expect((err as AlreadyUsedError).code).toBe('ERR_GENSTREAM_ALREADY_USED');
      expect((err as Error).message).toContain('make a new sink for each source');
    });
  });

  describe('backpressure', () => {
    it("honours write() === false: nothing is written while the Writable's buffer is full", async () => {
      const hwm = 4;
      const flow = new Flow();
      const { w, written } = slowWritable(hwm, () => flow.consumed++);
      let writesWhileFull = 0;
      let maxBuffered = 0;
      let drains = 0;
      w.on('drain', () => drains++);
      const source = flow.source(200)();
      async function* watched() {
        for await (const x of source) {
          // The writer asks for the next item only when it may write it.
          if (w.writableNeedDrain) writesWhileFull++;
          yield x;
          maxBuffered = Math.max(maxBuffered, w.writableLength);
        }
      }
      await fromWritable(w)(watched());
      expect(written).toHaveLength(200);
      expect(drains).toBeGreaterThan(0); // the buffer did fill up, repeatedly
      expect(writesWhileFull).toBe(0);
      expect(maxBuffered).toBeLessThanOrEqual(hwm);
      // In flight: the Writable's buffer (hwm) and the item being produced.
      expect(flow.peak).toBeLessThanOrEqual(hwm + 1);
      expect(flow.finallies).toBe(1);
    });
  });

  describe('cleanup and errors', () => {
    it("rejects with the Writable's error as the same object and runs the source's finally once", async () => {
      const err = new TestError('disk full');
      const w = new Writable({
        objectMode: true,
        write(chunk: number, _e, cb) {
          setImmediate(() => cb(chunk === 3 ? err : null));
        },
      });
      const before = listenerCounts(w, STREAM_EVENTS);
      const flow = new Flow();
      await expect(fromWritable(w)(flow.source()())).rejects.toBe(err);
      await until(() => flow.finallies > 0);
      await ticks(2);
      expect(flow.finallies).toBe(1);
      expect(listenerCounts(w, STREAM_EVENTS)).toEqual(before);
    });

    it('destroys the Writable with the same error when the source fails, without an uncaught error event', async () => {
      const err = new TestError('source');
      const { w, written } = recorder();
      async function* failing() {
        yield 1;
        throw err;
      }
      const closed = closeEvent(w);
      await expect(fromWritable(w)(failing())).rejects.toBe(err);
      expect(written).toEqual([1]);
      expect(w.destroyed).toBe(true);
      expect(w.errored).toBe(err);
      await closed; // the 'error' event has been emitted: watchUnhandled() fails the test if it went unhandled
    });

    it("delivers the source's error once to the Writable's own 'error' listener", async () => {
      const err = new TestError('source');
      const { w } = recorder();
      const errors: unknown[] = [];
      w.on('error', (e) => errors.push(e));
      const failing = (function* () {
        yield 1;
        throw err;
      })();
      const closed = closeEvent(w); // 'close' comes after 'error' (w.closed is set before both)
      await expect(fromWritable(w)(failing)).rejects.toBe(err);
      await closed;
      expect(errors).toEqual([err]);
      expect(w.listenerCount('error')).toBe(1); // only the test's own listener is left
    });

    it("rejects with ERR_STREAM_PREMATURE_CLOSE and runs the source's finally when the Writable is destroyed midway", async () => {
      const flow = new Flow();
      let done = 0;
      const { w } = slowWritable(2, () => {
        if (++done === 5) w.destroy();
      });
      await expect(fromWritable(w)(flow.source()())).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
      await until(() => flow.finallies > 0);
      expect(flow.finallies).toBe(1);
    });

    it("rejects with an AbortError, destroys the Writable and runs the source's finally once on abort", async () => {
      const ac = new AbortController();
      const flow = new Flow();
      let done = 0;
      const { w } = slowWritable(2, () => {
        if (++done === 5) ac.abort();
      });
      const err = await fromWritable(w, { signal: ac.signal })(flow.source()()).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      expect((err as { code?: string }).code).toBe('ABORT_ERR');
      expect(w.destroyed).toBe(true);
      await until(() => flow.finallies > 0 && w.closed);
      await ticks(2);
      expect(flow.finallies).toBe(1);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it("carries the signal's reason as the AbortError's cause, the same error the Writable was destroyed with", async () => {
      const ac = new AbortController();
      const why = new TestError('shutting down');
      const { w } = slowWritable(2);
      async function* slow() {
        for (let i = 0; ; i++) {
          await tick();
          if (i === 3) ac.abort(why);
          yield i;
        }
      }
      const err = await fromWritable(w, { signal: ac.signal })(slow()).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      expect((err as Error).cause).toBe(why);
      expect(w.errored).toBe(err);
    });

    it('rejects at once on an already aborted signal, destroying the Writable, without starting the source', async () => {
      const ac = new AbortController();
      ac.abort();
      const { w, written } = recorder();
      const closed = closeEvent(w);
      let started = false;
      async function* source() {
        started = true;
        yield 1;
      }
      const err = await fromWritable(w, { signal: ac.signal })(source()).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      expect(started).toBe(false);
      expect(written).toEqual([]);
      expect(w.destroyed).toBe(true);
      await closed; // its 'error' was emitted and handled
    });

    it('leaves no listener on the Writable or the signal after a normal end', async () => {
      const ac = new AbortController();
      const { w } = slowWritable(2);
      const before = listenerCounts(w, STREAM_EVENTS);
      await fromWritable(w, { signal: ac.signal })([1, 2, 3, 4, 5]);
      expect(listenerCounts(w, STREAM_EVENTS)).toEqual(before);
      expect(abortListeners(ac.signal)).toBe(0);
    });

    it('leaves no listener on a Writable kept open with end: false', async () => {
      const w = new PassThrough({ objectMode: true });
      w.resume();
      const before = listenerCounts(w, STREAM_EVENTS);
      await fromWritable(w, { end: false })([1, 2]);
      expect(listenerCounts(w, STREAM_EVENTS)).toEqual(before);
      w.end();
    });
  });

  describe('bad input', () => {
    it('throws a TypeError naming `writable` at call time for a non-stream', () => {
      for (const [bad, shown] of [
        [42, '`42` (number)'],
        [{}, 'an object (Object)'],
        [Readable.from([]), 'an object (Readable)'],
      ] as const) {
        const call = () => fromWritable(bad as never);
        expect(call).toThrow(TypeError);
        expect(call).toThrow(GenstreamArgumentError);
        expect(call).toThrow(`fromWritable: expected \`writable\` to be a Writable stream, got ${shown}`);
      }
    });

    it('rejects with a TypeError naming `source` when the sink is given a non-iterable', async () => {
      const { w } = recorder();
      const err = await fromWritable(w)(42 as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      expect((err as Error).message).toBe(
        'fromWritable sink: expected `source` to be an iterable or async iterable, got `42` (number)',
      );
      expect(w.destroyed).toBe(false); // nothing was started
    });

    it('throws at call time for options that are not an object', () => {
      const { w } = recorder();
      expect(() => fromWritable(w, true as never)).toThrow(
        'fromWritable: expected `options` to be an object, got `true` (boolean)',
      );
    });
  });
});

describe('fromWritable at the edges', () => {
  it('leaves no listener on a Writable with autoDestroy: false whose write fails', async () => {
    const err = new TestError('write failed');
    const w = new Writable({ objectMode: true, autoDestroy: false, write: (_c, _e, cb) => cb(err) });
    const before = listenerCounts(w, STREAM_EVENTS);
    w.on('error', () => {}); // the user's own listener, so the stream's 'error' is handled
    await expect(fromWritable(w)([1, 2, 3])).rejects.toBe(err);
    await ticks(3);
    expect({ ...listenerCounts(w, STREAM_EVENTS), error: w.listenerCount('error') - 1 }).toEqual(before);
  });

  it('fails with a NullValueError naming the writer when the source yields null', async () => {
    const w = new Writable({ objectMode: true, write: (_c, _e, cb) => cb() });
    const err = await fromWritable(w)([1, null]).then(...settledError);
    expect(err).toBeInstanceOf(NullValueError);
    expect((err as Error).message).toMatch(/^fromWritable: the source yielded null or undefined/);
    expect(w.destroyed).toBe(true);
  });
});
