import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, pipe, progress, take, type Progress } from '../../lib/index.js';
import { TestError, toArray, watchUnhandled } from '../helpers.js';
import { Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

const ignore = (): void => {};

describe('progress', () => {
  it('passes items through unchanged, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => progress({ every: 2, onProgress: ignore }), [1, 2, 3], [1, 2, 3]);
  });

  it('reports item and byte counts every `every` items, then a final report with done: true', async () => {
    const reports: Progress[] = [];
    const items = ['ab', 'cde', Buffer.from('xyz'), 'é', { not: 'bytes' }];
    const out = await toArray(progress({ every: 2, onProgress: (p) => reports.push(p) })(items));
    expect(out).toEqual(items);
    expect(reports.map(({ items: n, bytes, done }) => ({ n, bytes, done }))).toEqual([
      { n: 2, bytes: 5, done: false },
      { n: 4, bytes: 10, done: false }, // 'é' is two UTF-8 bytes
      { n: 5, bytes: 10, done: true },
    ]);
    for (const p of reports) {
      expect(p.elapsedMs).toBeGreaterThanOrEqual(0);
      expect(p.itemsPerSec).toBeGreaterThanOrEqual(0);
      expect(p.bytesPerSec).toBeGreaterThanOrEqual(0);
    }
    const last = reports[reports.length - 1];
    if (last.elapsedMs > 0) expect(last.itemsPerSec).toBeCloseTo((last.items / last.elapsedMs) * 1000, 5);
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

  it('also reports when intervalMs has passed since the last report', async () => {
    const reports: Progress[] = [];
    async function* slow() {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        yield i;
      }
    }
    await toArray(progress({ every: 1000, intervalMs: 10, onProgress: (p) => reports.push(p) })(slow()));
    // Item 1 starts the clock; items 2 and 3 each come ~30 ms (>= 10 ms) after the last report.
    expect(reports.map((p) => [p.items, p.done])).toEqual([
      [2, false],
      [3, false],
      [3, true],
    ]);
    expect(reports[1].elapsedMs).toBeGreaterThan(0);
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
