/**
 * fromWebReadable's early exit (lib/adapters/web.ts). The other Web Streams tests live with the chain
 * tests (test/chain/web.test.ts).
 */
import { ReadableStream } from 'node:stream/web';
import { describe, expect, it, vi } from 'vitest';
import { fromWebReadable, pipe, take } from '../../lib/index.js';
import { deferred, TestError, ticks, toArray, until, watchUnhandled } from '../helpers.js';
import { guard } from '../operators/harness.js';

watchUnhandled();

/** An endless stream of 0, 1, 2, ... whose `cancel()` is `cancel` (by default one that never settles). */
function endlessStream(cancel: () => Promise<void> = () => new Promise<void>(() => {})) {
  let next = 0;
  const spy = vi.fn(cancel);
  const stream = new ReadableStream<number>({
    pull(controller) {
      controller.enqueue(next++);
    },
    cancel: spy,
  });
  return { stream, cancel: spy };
}

describe('fromWebReadable', () => {
  describe('leaving early when the stream’s cancel() never settles', () => {
    it('return() after a read resolves, cancels the stream once and releases its lock', async () => {
      const { stream, cancel } = endlessStream();
      const it = fromWebReadable(stream);
      expect(await it.next()).toEqual({ done: false, value: 0 });
      expect(await guard(it.return(), 2000, 'return()')).toEqual({ done: true, value: undefined });
      expect(cancel).toHaveBeenCalledTimes(1);
      expect(stream.locked).toBe(false);
      expect(await it.next()).toEqual({ done: true, value: undefined });
      expect(cancel).toHaveBeenCalledTimes(1);
    });

    it('a for await that breaks finishes, and a downstream take() ends the pipe', async () => {
      const viaBreak = endlessStream();
      const seen: number[] = [];
      await guard(
        (async () => {
          for await (const n of fromWebReadable(viaBreak.stream)) {
            seen.push(n);
            if (n === 2) break;
          }
        })(),
        2000,
        'the end of the loop',
      );
      expect(seen).toEqual([0, 1, 2]);
      expect(viaBreak.cancel).toHaveBeenCalledTimes(1);
      expect(viaBreak.stream.locked).toBe(false);

      const viaTake = endlessStream();
      expect(await guard(toArray(pipe(fromWebReadable(viaTake.stream), take(3))))).toEqual([0, 1, 2]);
      expect(viaTake.cancel).toHaveBeenCalledTimes(1);
    });

    it('return() before the first read resolves, and cancels the stream once', async () => {
      const { stream, cancel } = endlessStream();
      const it = fromWebReadable(stream);
      await guard(it.return(), 2000, 'return() before the first read');
      expect(cancel).toHaveBeenCalledTimes(1);
      expect(stream.locked).toBe(false);
    });

    it('return() while a read is pending resolves, and that read ends (done)', async () => {
      const cancel = vi.fn(() => new Promise<void>(() => {}));
      const stream = new ReadableStream<number>({ pull: () => new Promise<void>(() => {}), cancel }); // never enqueues
      const it = fromWebReadable(stream);
      const pending = it.next();
      await ticks(2);
      await guard(it.return(), 2000, 'return() while a read is pending');
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(cancel).toHaveBeenCalledTimes(1);
      expect(stream.locked).toBe(false);
    });

    it('ignores a cancel() that rejects later (no unhandled rejection)', async () => {
      const late = deferred<void>();
      const { stream, cancel } = endlessStream(() => late.promise);
      await guard(
        (async () => {
          for await (const _ of fromWebReadable(stream)) break;
        })(),
        2000,
        'the end of the loop',
      );
      expect(cancel).toHaveBeenCalledTimes(1);
      late.reject(new TestError('cancel failed after the consumer left'));
      await ticks(3);
      const unstarted = endlessStream(() => Promise.reject(new TestError('cancel failed at once')));
      await guard(fromWebReadable(unstarted.stream).return());
      await until(() => unstarted.cancel.mock.calls.length === 1);
    });
  });
});
