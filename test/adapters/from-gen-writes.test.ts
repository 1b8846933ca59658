/**
 * fromGen's write side on its fast path: plain object-mode writes go straight into the stage's inbox
 * (bypassing Node's write buffer), and a stage that finds its inbox empty reads the piped upstream
 * itself. These tests pin what that must not change: `write()`'s answer and `'drain'`, order across
 * the fast and Node's paths, early stops, and the backpressure of the upstream's other destinations.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { fromGen, toReadable, toWritable } from '../../lib/index.js';
import { collect, tick, toArray, until, watchUnhandled } from '../helpers.js';

watchUnhandled();

async function* identity<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  yield* source;
}

/** A synchronous objectMode source of `0 .. count-1` (like a file or array source), counting reads. */
class CountingSource extends Readable {
  pushed = 0;

  constructor(
    private readonly count: number,
    highWaterMark: number,
  ) {
    super({ objectMode: true, highWaterMark });
  }

  override _read(): void {
    while (this.pushed < this.count) if (!this.push(this.pushed++)) return;
    this.push(null);
  }
}

describe('fromGen write side', () => {
  it("answers false once the inbox holds highWaterMark items, and emits 'drain' once the stage has emptied it", async () => {
    const hwm = 4;
    const d = fromGen(identity<number>, { highWaterMark: hwm });
    let drains = 0;
    d.on('drain', () => drains++);
    const answers: boolean[] = [];
    for (let i = 0; i <= hwm; i++) answers.push(d.write(i));
    // The first write starts the stage, which takes it at once; the inbox then fills with the next hwm.
    expect(answers).toEqual([true, true, true, true, false]);
    expect(d.writableNeedDrain).toBe(true);
    expect(drains).toBe(0);
    const got: number[] = [];
    d.on('data', (x: number) => got.push(x));
    await until(() => drains === 1);
    expect(d.writableNeedDrain).toBe(false);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    d.end();
    await new Promise((resolve) => d.on('end', resolve));
    expect(drains).toBe(1);
  });

  it("never emits 'drain' inside the write() that answers false, even with highWaterMark 1", async () => {
    const d = fromGen(identity<number>, { highWaterMark: 1 });
    let writing = false;
    let drained = false;
    let drainsInsideWrite = 0;
    d.on('drain', () => {
      if (writing) drainsInsideWrite++;
      drained = true;
    });
    const got = toArray(d);
    for (let i = 0; i < 50; i++) {
      drained = false;
      writing = true;
      const more = d.write(i);
      writing = false;
      if (!more && !drained) await new Promise((resolve) => d.once('drain', resolve));
    }
    d.end();
    expect(await got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(drainsInsideWrite).toBe(0);
  });

  it('runs a synchronous source through highWaterMark 1 everywhere with a slow consumer, in order', async () => {
    const got: number[] = [];
    await pipeline(
      toReadable(
        function* source() {
          for (let i = 0; i < 20; i++) yield i;
        },
        { highWaterMark: 1 },
      ),
      fromGen(identity<number>, { highWaterMark: 1 }),
      toWritable(
        async (source: AsyncIterable<number>) => {
          for await (const x of source) {
            got.push(x);
            await tick();
          }
        },
        { highWaterMark: 1 },
      ),
    );
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps the order of plain writes, writes with a callback and corked writes, and calls the callbacks', async () => {
    const d = fromGen(identity<number>, { highWaterMark: 4 });
    const got = toArray(d);
    const called: number[] = [];
    d.write(0);
    d.write(1);
    d.write(2, () => called.push(2));
    d.write(3);
    d.cork();
    d.write(4);
    d.write(5);
    process.nextTick(() => d.uncork());
    d.write(6, 'utf8', () => called.push(6));
    d.write(7);
    await tick();
    d.write(8);
    d.end(9);
    expect(await got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(called).toEqual([2, 6]);
  });

  it("emits 'drain' when the stage stops early, so a writer waiting on it goes on and its chunks are dropped", async () => {
    const d = fromGen(
      async function* firstOnly(source: AsyncIterable<number>) {
        for await (const x of source) {
          yield x;
          return;
        }
      },
      { highWaterMark: 2 },
    );
    let i = 0;
    while (d.write(i++));
    const drained = new Promise((resolve) => d.once('drain', resolve));
    const got = toArray(d);
    await drained;
    expect(d.write(100)).toBe(true); // the stage is gone: accepted and dropped
    d.end();
    expect(await got).toEqual([0]);
  });

  it("fails a write after end() with Node's error, as a Writable does", async () => {
    const d = fromGen(identity<number>);
    const got = toArray(d);
    d.write(1);
    d.end();
    const err = await new Promise<Error | null | undefined>((resolve) => d.write(2, resolve));
    expect((err as NodeJS.ErrnoException).code).toBe('ERR_STREAM_WRITE_AFTER_END');
    await expect(got).rejects.toBe(err);
  });

  it('throws on a null write in object mode, as a Writable does', () => {
    const d = fromGen(identity<number>);
    d.write(1);
    expect(() => d.write(null)).toThrow(expect.objectContaining({ code: 'ERR_STREAM_NULL_VALUES' }) as Error);
    d.destroy();
  });

  it("reads a piped upstream only while it flows, so a second, slow destination keeps its backpressure", async () => {
    const src = new CountingSource(200, 4);
    const slowHwm = 2;
    let maxSlowBuffered = 0;
    let slowGot = 0;
    const slow = new Writable({
      objectMode: true,
      highWaterMark: slowHwm,
      write(_chunk, _encoding, cb) {
        maxSlowBuffered = Math.max(maxSlowBuffered, slow.writableLength);
        slowGot++;
        setImmediate(cb);
      },
    });
    const out: number[] = [];
    const done = pipeline(src, fromGen(identity<number>), collect(out));
    src.pipe(slow);
    await done;
    await until(() => slowGot === 200);
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(maxSlowBuffered).toBeLessThanOrEqual(slowHwm);
  });

  it('reads a synchronous upstream ahead only up to the high-water marks while nobody reads', async () => {
    const hwm = 4;
    const src = new CountingSource(Infinity, hwm);
    let seen = 0;
    const d = fromGen(
      async function* counting(source: AsyncIterable<number>) {
        for await (const x of source) {
          seen++;
          yield x;
        }
      },
      { highWaterMark: hwm },
    );
    src.pipe(d);
    for (let i = 0; i < 5; i++) await tick();
    // The source's buffer (hwm), the inbox (hwm), the stage's hand (1), fromGen's readable buffer (hwm).
    expect(src.pushed).toBeLessThanOrEqual(3 * hwm + 1);
    expect(seen).toBeLessThanOrEqual(hwm + 1);
    src.unpipe(d);
    src.destroy();
    d.destroy();
  });
});
