import { EventEmitter } from 'node:events';
import { PassThrough, Readable, Stream } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fromReadable, GenstreamArgumentError, toReadable } from '../../lib/index.js';
import {
  Flow,
  listenerCounts,
  STREAM_EVENTS,
  TestError,
  tick,
  ticks,
  toArray,
  until,
  watchUnhandled,
} from '../helpers.js';

watchUnhandled();

/**
 * A legacy (streams1) stream: `new Stream()` from node:stream (an EventEmitter with `pipe` and `on`)
 * that only emits 'data'/'end', plus pause/resume flags and an optional destroy().
 */
class LegacySource extends Stream {
  paused = false;
  pauses = 0;
  destroyCalls = 0;
  pause(): this {
    this.paused = true;
    this.pauses++;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroy(): void {
    this.destroyCalls++;
  }
  /** Emits `items` one per macrotask, waiting while paused; then 'end' (unless `end` is false). */
  async feed(items: readonly unknown[], end = true): Promise<void> {
    for (const item of items) {
      while (this.paused) await tick();
      this.emit('data', item);
      await tick();
    }
    if (end) this.emit('end');
  }
}

/** Every listener a legacy stream might get: what fromReadable adds must all be gone afterwards. */
const LEGACY_EVENTS = [...STREAM_EVENTS, 'destroy'] as const;

describe('fromReadable', () => {
  describe('modern Readable', () => {
    it('iterates a Readable in order and leaves no listener behind', async () => {
      const r = Readable.from([1, 2, 3]);
      const before = listenerCounts(r, STREAM_EVENTS);
      expect(await toArray(fromReadable<number>(r))).toEqual([1, 2, 3]);
      expect(listenerCounts(r, STREAM_EVENTS)).toEqual(before);
    });

    it('decodes a byte stream with options.encoding', async () => {
      const r = Readable.from([Buffer.from([0x68, 0xc3]), Buffer.from([0xa9])], { objectMode: false });
      const out = await toArray(fromReadable<string>(r, { encoding: 'utf8' }));
      expect(out.every((s) => typeof s === 'string')).toBe(true);
      expect(out.join('')).toBe('hé');
    });

    it('keeps the items in flight within highWaterMark + 1 with a slow loop', async () => {
      const hwm = 4;
      const flow = new Flow();
      for await (const _ of fromReadable(toReadable(flow.source(), { highWaterMark: hwm }))) {
        await flow.consume();
        if (flow.consumed === 200) break;
      }
      // The stream's buffer (hwm) and the item being produced: the loop reads one item at a time.
      expect(flow.peak).toBeLessThanOrEqual(hwm + 1);
      expect(flow.peak).toBeGreaterThan(1);
      expect(flow.produced - flow.consumed).toBeLessThanOrEqual(hwm + 1);
      await until(() => flow.finallies > 0);
    });

    it("destroys the stream on break, and a toReadable source's finally runs once", async () => {
      const flow = new Flow();
      const r = toReadable(flow.source());
      const out: number[] = [];
      for await (const x of fromReadable<number>(r)) {
        out.push(x);
        if (out.length === 5) break;
      }
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(r.destroyed).toBe(true);
      await until(() => flow.finallies > 0);
      await ticks(2);
      expect(flow.finallies).toBe(1);
    });

    it('leaves the stream intact on break with destroyOnReturn: false, so another loop reads the rest', async () => {
      const r = Readable.from([1, 2, 3, 4, 5, 6]);
      const before = listenerCounts(r, STREAM_EVENTS);
      const first: number[] = [];
      for await (const x of fromReadable<number>(r, { destroyOnReturn: false })) {
        first.push(x);
        if (x === 2) break;
      }
      expect(r.destroyed).toBe(false);
      expect(listenerCounts(r, STREAM_EVENTS)).toEqual(before);
      const rest = await toArray(fromReadable<number>(r));
      expect([...first, ...rest]).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('destroys the stream when the loop body throws, and the error passes through', async () => {
      const err = new TestError('body');
      const r = new PassThrough({ objectMode: true });
      r.write(1);
      const consume = async () => {
        for await (const _ of fromReadable(r)) throw err;
      };
      await expect(consume()).rejects.toBe(err);
      expect(r.destroyed).toBe(true);
    });

    it("throws the stream's error as the same object, exactly once, and removes its listeners", async () => {
      const err = new TestError('stream');
      const r = new PassThrough({ objectMode: true });
      const before = listenerCounts(r, STREAM_EVENTS);
      const seen: unknown[] = [];
      const got: number[] = [];
      const consume = async () => {
        try {
          for await (const x of fromReadable<number>(r)) {
            got.push(x);
            if (x === 2) r.destroy(err);
          }
        } catch (e) {
          seen.push(e);
        }
      };
      r.write(1);
      r.write(2);
      await consume();
      expect(seen).toEqual([err]);
      expect(seen[0]).toBe(err);
      expect(got).toEqual([1, 2]);
      expect(listenerCounts(r, STREAM_EVENTS)).toEqual(before);
    });

    it('throws ERR_STREAM_PREMATURE_CLOSE when the stream is destroyed before its end', async () => {
      const r = new PassThrough({ objectMode: true });
      r.write(1);
      const consume = async () => {
        for await (const _ of fromReadable(r)) r.destroy();
      };
      await expect(consume()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    });

    it('finishes at once on a stream that already ended, and throws the error of one that already failed', async () => {
      const ended = Readable.from([1]);
      await toArray(ended);
      expect(await toArray(fromReadable(ended))).toEqual([]);
      const err = new TestError('earlier');
      const failed = new PassThrough();
      failed.on('error', () => {});
      failed.destroy(err);
      await until(() => failed.closed);
      await expect(toArray(fromReadable(failed))).rejects.toBe(err);
    });
  });

  describe('a loop that stops before its first read', () => {
    it('destroys the Readable when return() comes before any next(), as a break would', async () => {
      const r = new Readable({ objectMode: true, read() {} });
      const before = listenerCounts(r, STREAM_EVENTS);
      await fromReadable(r).return(undefined);
      expect(r.destroyed).toBe(true);
      expect(listenerCounts(r, STREAM_EVENTS)).toEqual(before);
    });

    it('leaves it alone with destroyOnReturn: false', async () => {
      const r = new Readable({ objectMode: true, read() {} });
      await fromReadable(r, { destroyOnReturn: false }).return(undefined);
      expect(r.destroyed).toBe(false);
    });

    it('detaches from a legacy stream and destroys it', async () => {
      const legacy = new LegacySource();
      const before = listenerCounts(legacy, LEGACY_EVENTS);
      await fromReadable(legacy).return(undefined);
      expect(legacy.destroyCalls).toBe(1);
      expect(listenerCounts(legacy, LEGACY_EVENTS)).toEqual(before);
    });
  });

  describe('legacy streams1 stream', () => {
    it("iterates a new Stream() that only emits 'data' and 'end', and removes all its listeners", async () => {
      const legacy = new LegacySource();
      const before = listenerCounts(legacy, LEGACY_EVENTS);
      const it = fromReadable<string>(legacy);
      const fed = legacy.feed(['a', 'b', 'c']);
      expect(await toArray(it)).toEqual(['a', 'b', 'c']);
      await fed;
      expect(listenerCounts(legacy, LEGACY_EVENTS)).toEqual(before);
    });

    it("iterates a plain EventEmitter that emits 'data' and 'end' (no pipe, no pause), and removes its listeners", async () => {
      const emitter = new EventEmitter();
      const it = fromReadable<string>(emitter);
      // Emitted before the loop reads: buffered by the wrapper, not dropped.
      emitter.emit('data', 'a');
      emitter.emit('data', 'b');
      setImmediate(() => {
        emitter.emit('data', 'c');
        emitter.emit('end');
      });
      expect(await toArray(it)).toEqual(['a', 'b', 'c']);
      expect(listenerCounts(emitter, LEGACY_EVENTS)).toEqual(listenerCounts(new EventEmitter(), LEGACY_EVENTS));
    });

    it("throws a plain EventEmitter's 'error' as the same object", async () => {
      const emitter = new EventEmitter();
      const err = new TestError('emitter');
      const it = fromReadable<number>(emitter);
      setImmediate(() => {
        emitter.emit('data', 1);
        emitter.emit('error', err);
      });
      const got: number[] = [];
      await expect(
        (async () => {
          for await (const x of it) got.push(x);
        })(),
      ).rejects.toBe(err);
      expect(got).toEqual([1]);
      expect(emitter.listenerCount('error')).toBe(0);
    });

    it('works with a bare new Stream() that has no pause/resume', async () => {
      const legacy = new Stream();
      const it = fromReadable<number>(legacy);
      setImmediate(() => {
        legacy.emit('data', 1);
        legacy.emit('data', 2);
        legacy.emit('end');
      });
      expect(await toArray(it)).toEqual([1, 2]);
      expect(legacy.listenerCount('data')).toBe(0);
    });

    it('pauses the legacy stream while the loop is slow: in flight stays within highWaterMark + 2', async () => {
      const hwm = 4;
      const legacy = new LegacySource();
      let produced = 0;
      let consumed = 0;
      let peak = 0;
      const items = Array.from({ length: 100 }, (_, i) => i);
      legacy.on('data', () => {
        produced++;
        peak = Math.max(peak, produced - consumed);
      });
      const it = fromReadable(legacy, { highWaterMark: hwm }); // listens from here: attach before feeding
      const fed = legacy.feed(items);
      for await (const _ of it) {
        await ticks(3); // slower than the feed's one item per tick
        consumed++;
      }
      await fed;
      // The wrapper's buffer (hwm: it pauses the legacy stream once full), the item the loop holds,
      // and the one item emitted in the tick it takes the pause to be seen.
      expect(consumed).toBe(100);
      expect(legacy.pauses).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(hwm + 2);
    });

    it("calls the legacy stream's destroy() on break and removes its listeners", async () => {
      const legacy = new LegacySource();
      const before = listenerCounts(legacy, LEGACY_EVENTS);
      const it = fromReadable<number>(legacy);
      void legacy.feed([1, 2, 3, 4], false);
      const got: number[] = [];
      for await (const x of it) if (got.push(x) === 2) break;
      expect(got).toEqual([1, 2]);
      expect(legacy.destroyCalls).toBe(1);
      expect(listenerCounts(legacy, LEGACY_EVENTS)).toEqual(before);
    });

    it('leaves the legacy stream paused, not destroyed, on break with destroyOnReturn: false', async () => {
      const legacy = new LegacySource();
      const before = listenerCounts(legacy, LEGACY_EVENTS);
      const it = fromReadable<number>(legacy, { destroyOnReturn: false });
      void legacy.feed([1, 2, 3, 4], false);
      const got: number[] = [];
      for await (const x of it) if (got.push(x) === 2) break;
      expect(got).toEqual([1, 2]);
      expect(legacy.destroyCalls).toBe(0);
      expect(legacy.paused).toBe(true);
      expect(listenerCounts(legacy, LEGACY_EVENTS)).toEqual(before);
      legacy.resume();
    });

    it("throws the legacy stream's 'error' as the same object and removes its listeners", async () => {
      const err = new TestError('legacy');
      const legacy = new LegacySource();
      const before = listenerCounts(legacy, LEGACY_EVENTS);
      const it = fromReadable<number>(legacy);
      setImmediate(() => {
        legacy.emit('data', 1);
        legacy.emit('error', err);
      });
      const got: number[] = [];
      await expect(
        (async () => {
          for await (const x of it) got.push(x);
        })(),
      ).rejects.toBe(err);
      expect(got).toEqual([1]);
      expect(legacy.destroyCalls).toBe(0); // it failed by itself: nothing to destroy
      expect(listenerCounts(legacy, LEGACY_EVENTS)).toEqual(before);
    });

    it("throws ERR_STREAM_PREMATURE_CLOSE when the legacy stream emits 'close' before 'end'", async () => {
      const legacy = new LegacySource();
      const it = fromReadable(legacy);
      setImmediate(() => {
        legacy.emit('data', 1);
        legacy.emit('close');
      });
      await expect(toArray(it)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
      expect(legacy.listenerCount('data')).toBe(0);
    });
  });

  describe('bad input', () => {
    it('throws a TypeError naming `readable` at call time for a non-stream', () => {
      for (const [bad, shown] of [
        [42, '`42` (number)'],
        [{}, 'an object (Object)'],
        [[1, 2], 'an array (length 2)'],
        [null, '`null`'],
      ] as const) {
        const call = () => fromReadable(bad as never);
        expect(call).toThrow(TypeError);
        expect(call).toThrow(GenstreamArgumentError);
        expect(call).toThrow(`fromReadable: expected \`readable\` to be a Readable stream or an EventEmitter emitting 'data' and 'end', got ${shown}`);
      }
    });

    it('throws at call time for bad options, naming the option', () => {
      const r = Readable.from([1]);
      expect(() => fromReadable(r, { destroyOnReturn: 'no' as never })).toThrow(
        'fromReadable: expected `options.destroyOnReturn` to be a boolean, got `"no"` (string)',
      );
      expect(() => fromReadable(r, { encoding: 'klingon' as never })).toThrow('`options.encoding`');
      expect(() => fromReadable(r, 1 as never)).toThrow('`options` to be an object');
      r.destroy();
    });
  });
});
