import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it, vi } from 'vitest';
import { chain, GenstreamArgumentError, pipe, progress, take, toReadable, type Progress } from '../../lib/index.js';
import { collect, settledError, take as takeGen, TestError, toArray, watchUnhandled } from '../helpers.js';
import { settleWithFakeTime, sleep, useFakeTime } from './fake-time.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

const ignore = (): void => {};

describe('progress', () => {
  it('passes items through unchanged, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => progress({ every: 2, onProgress: ignore }), [1, 2, 3], [1, 2, 3]);
  });

  describe('timing (fake timers: exact times and rates)', () => {
    useFakeTime();

    /** Yields `items`, the fake clock moving `stepMs` before each item after the first. */
    function* spaced<T>(items: readonly T[], stepMs: number): Generator<T, void, undefined> {
      for (let k = 0; k < items.length; k++) {
        if (k > 0) vi.advanceTimersByTime(stepMs);
        yield items[k];
      }
    }

    it('reports item and byte counts every `every` items, with elapsed time and rates, then a final report with done: true', async () => {
      const reports: Progress[] = [];
      const items = ['ab', 'cde', Buffer.from('xyz'), 'é', { not: 'bytes' }];
      const out = await toArray(progress({ every: 2, onProgress: (p) => reports.push(p) })(spaced(items, 250)));
      expect(out).toEqual(items);
      // Items arrive at 0, 250, 500, 750 and 1000 ms; the clock starts at the first item.
      expect(reports.map(({ items: n, bytes, elapsedMs, done }) => ({ n, bytes, elapsedMs, done }))).toEqual([
        { n: 2, bytes: 5, elapsedMs: 250, done: false },
        { n: 4, bytes: 10, elapsedMs: 750, done: false }, // 'é' is two UTF-8 bytes
        { n: 5, bytes: 10, elapsedMs: 1000, done: true },
      ]);
      expect(reports.map((p) => p.itemsPerSec)).toEqual([8, expect.closeTo(4 / 0.75, 9), 5]);
      expect(reports.map((p) => p.bytesPerSec)).toEqual([20, expect.closeTo(10 / 0.75, 9), 10]);
    });

    it('also reports when intervalMs has passed since the last report', async () => {
      const reports: Progress[] = [];
      async function* slow() {
        for (let i = 0; i < 3; i++) {
          await sleep(30);
          yield i;
        }
      }
      await settleWithFakeTime(toArray(progress({ every: 1000, intervalMs: 10, onProgress: (p) => reports.push(p) })(slow())));
      // Item 1 (at 30 ms) starts the clock; items 2 and 3 each come 30 ms (>= 10 ms) after the last report.
      expect(reports.map((p) => [p.items, p.elapsedMs, p.done])).toEqual([
        [2, 30, false],
        [3, 60, false],
        [3, 60, true],
      ]);
    });

    it('does not report on intervalMs before that much time has passed since the last report', async () => {
      const reports: Progress[] = [];
      await toArray(progress({ every: 1000, intervalMs: 12, onProgress: (p) => reports.push(p) })(spaced([1, 2, 3, 4, 5, 6, 7, 8], 4)));
      // Items at 0, 4, ..., 28 ms: reports at 12 ms (12 - 0 >= 12: the boundary counts) and 24 ms, then the final one.
      expect(reports.map((p) => [p.items, p.elapsedMs, p.done])).toEqual([
        [4, 12, false],
        [7, 24, false],
        [8, 28, true],
      ]);
    });

    it('reports zero rates when no time has passed (no division by zero)', async () => {
      const reports: Progress[] = [];
      await toArray(progress({ every: 2, onProgress: (p) => reports.push(p) })(['ab', 'cd', 'e']));
      expect(reports).toEqual([
        { items: 2, bytes: 4, elapsedMs: 0, itemsPerSec: 0, bytesPerSec: 0, done: false },
        { items: 3, bytes: 5, elapsedMs: 0, itemsPerSec: 0, bytesPerSec: 0, done: true },
      ]);
    });
  });

  it('reports every 1000 items by default, and once more at the end', async () => {
    const reports: Progress[] = [];
    await toArray(progress({ onProgress: (p) => reports.push(p) })(new Counted(2500).sync()));
    expect(reports.map((p) => [p.items, p.done])).toEqual([
      [1000, false],
      [2000, false],
      [2500, true],
    ]);
  });

  it('gives nothing for an empty input and reports done with zero counts, every way', async () => {
    await expectEverywhere(() => progress({ onProgress: ignore }), [], []);
    const reports: Progress[] = [];
    await toArray(progress({ onProgress: (p) => reports.push(p) })([]));
    expect(reports).toEqual([{ items: 0, bytes: 0, elapsedMs: 0, itemsPerSec: 0, bytesPerSec: 0, done: true }]);
  });

  it('handles a single item, every way, and reports it in the final report', async () => {
    await expectEverywhere(() => progress({ every: 1, onProgress: ignore }), ['x'], ['x']);
    const reports: Progress[] = [];
    await toArray(pipe(['hello'], progress({ onProgress: (p) => reports.push(p) })));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ items: 1, bytes: 5, done: true });
  });

  it('sends the final report when a downstream take() stops the run', async () => {
    const reports: Progress[] = [];
    await toArray(pipe(new Counted().async(), progress({ every: 2, onProgress: (p) => reports.push(p) }), take(3)));
    expect(reports.map((p) => [p.items, p.done])).toEqual([
      [2, false],
      [3, true],
    ]);
  });

  describe('the final report when stopped from below', () => {
    /** A progress() that records `[items, done]` of each report. */
    function recorded(every = 2) {
      const reports: [number, boolean][] = [];
      const op = progress<number>({ every, onProgress: (p) => reports.push([p.items, p.done]) });
      return { reports, op };
    }

    it('sends it once when a for await over progress() breaks (sync and async source)', async () => {
      for (const kind of ['sync', 'async'] as const) {
        const { reports, op } = recorded();
        const src = new Counted();
        for await (const n of op(src[kind]())) if (n === 2) break;
        expect(reports, kind).toEqual([
          [2, false],
          [3, true],
        ]);
        expect(src.finallies, kind).toBe(1);
      }
    });

    it('sends it once when return() is called, and not again on a later return() or next()', async () => {
      const { reports, op } = recorded(10);
      const it = op(new Counted().async());
      await it.next();
      await it.next();
      expect(reports).toEqual([]);
      expect(await it.return()).toEqual({ done: true, value: undefined });
      expect(reports).toEqual([[2, true]]);
      await it.return();
      await it.next();
      expect(reports).toEqual([[2, true]]);
    });

    it('sends it once when a fused take() after it stops the run, and when the consumer breaks after that', async () => {
      const { reports, op } = recorded();
      for await (const n of pipe(new Counted().async(), op, take(3))) if (n === 2) break;
      expect(reports).toEqual([
        [2, false],
        [3, true],
      ]);
      const inChain = recorded();
      const out: number[] = [];
      await pipeline(toReadable(() => new Counted().async()), chain(inChain.op, take(3)), collect(out));
      expect(out).toEqual([0, 1, 2]);
      expect(inChain.reports).toEqual([
        [2, false],
        [3, true],
      ]);
    });

    it('sends it once when a stage after it that is not fused stops early (pipe, stream.pipeline)', async () => {
      const { reports, op } = recorded();
      const src = new Counted();
      expect(await toArray(pipe(src.async(), op, takeGen<number>(3)))).toEqual([0, 1, 2]);
      expect(reports).toEqual([
        [2, false],
        [3, true],
      ]);
      expect(src.finallies).toBe(1);
      const viaPipeline = recorded();
      const out: number[] = [];
      await pipeline(Readable.from(new Counted().async()), viaPipeline.op, takeGen<number>(3), collect(out));
      expect(out).toEqual([0, 1, 2]);
      expect(viaPipeline.reports.filter(([, done]) => done)).toHaveLength(1);
      expect(viaPipeline.reports.at(-1)).toEqual([viaPipeline.reports.at(-1)![0], true]);
    });

    it('sends it once when a chain() holding it is left early: a break over it, or a genstream stage below stopping', async () => {
      const viaBreak = recorded();
      const readable = toReadable(() => new Counted().async()).pipe(chain(viaBreak.op));
      for await (const n of readable) if (n === 2) break;
      expect(viaBreak.reports.filter(([, done]) => done)).toHaveLength(1);
      expect(viaBreak.reports.at(-1)![1]).toBe(true);

      const viaStop = recorded();
      const out: number[] = [];
      await pipeline(toReadable(() => new Counted().async()), chain(viaStop.op), chain(take(3)), collect(out));
      expect(out).toEqual([0, 1, 2]);
      expect(viaStop.reports.filter(([, done]) => done)).toHaveLength(1);
      expect(viaStop.reports.at(-1)![1]).toBe(true);
    });

    it('sends none when the run fails, nor on a return() after the failure', async () => {
      const err = new TestError('source failed');
      const { reports, op } = recorded();
      const it = op(new Counted(3, err).async());
      await expect(toArray(it)).rejects.toBe(err);
      await it.return();
      expect(reports).toEqual([[2, false]]);
    });

    it('rejects return() with the same error onProgress throws in that report, after returning the source', async () => {
      const err = new TestError('progress bar broke');
      const src = new Counted();
      const it = progress<number>({
        every: 100,
        onProgress: (p) => {
          if (p.done) throw err;
        },
      })(src.async());
      await it.next();
      expect(await it.return().then(...settledError)).toBe(err);
      expect(src.finallies).toBe(1);
    });
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => progress({ every: 1, onProgress: ignore }));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => progress({ onProgress: ignore }), () => new Counted(2, err).async(), err);
    await expectRejectsEverywhere(() => progress({ onProgress: ignore }), () => new Counted(2, err).sync(), err);
  });

  it('rejects with the same error object onProgress throws, and returns the source', async () => {
    const err = new TestError('progress bar broke');
    const throwing = (): void => {
      throw err;
    };
    await expectRejectsEverywhere(() => progress({ every: 2, onProgress: throwing }), () => [1, 2, 3], err);
    await expectRejectsEverywhere(() => progress({ onProgress: throwing }), () => [1], err); // the final report
    const src = new Counted();
    await expect(toArray(progress({ every: 3, onProgress: throwing })(src.async()))).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('checks its arguments when called', () => {
    expect(() => progress(undefined as never)).toThrow(GenstreamArgumentError);
    expect(() => progress(undefined as never)).toThrow('progress: expected `options` to be an object with `onProgress`, got `undefined`');
    expect(() => progress({} as never)).toThrow('progress: expected `options.onProgress` to be a function, got `undefined`');
    expect(() => progress({ every: 0, onProgress: ignore })).toThrow('progress: expected `options.every` to be a positive integer, got `0` (number)');
    expect(() => progress({ intervalMs: -1, onProgress: ignore })).toThrow(
      'progress: expected `options.intervalMs` to be a non-negative number, got `-1` (number)',
    );
  });
});
