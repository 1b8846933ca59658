import { describe, expect, it } from 'vitest';
import { GenstreamArgumentError, pipe, tap } from '../../lib/index.js';
import { TestError, tick, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

describe('tap', () => {
  it('passes every item on unchanged, every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
    await expectEverywhere(() => tap(() => 'ignored'), [1, 2, 3], [1, 2, 3]);
  });

  it('calls fn with each item and its index, before the item moves on', async () => {
    const log: string[] = [];
    for await (const x of pipe(['a', 'b'], tap((s: string, i: number) => log.push(`tap ${i}:${s}`)))) log.push(`got ${x}`);
    expect(log).toEqual(['tap 0:a', 'got a', 'tap 1:b', 'got b']);
  });

  it('awaits an async fn before passing the item on', async () => {
    const log: string[] = [];
    const op = tap(async (n: number) => {
      await tick();
      log.push(`done ${n}`);
    });
    for await (const n of op(asyncOf([1, 2]))) log.push(`got ${n}`);
    expect(log).toEqual(['done 1', 'got 1', 'done 2', 'got 2']);
  });

  it('gives nothing for an empty input (fn is never called), every way', async () => {
    let calls = 0;
    await expectEverywhere(() => tap(() => calls++), [], []);
    expect(calls).toBe(0);
  });

  it('passes a single item, every way', async () => {
    await expectEverywhere(() => tap(() => undefined), ['only'], ['only']);
  });

  it('runs the source finally once when the consumer stops early', async () => {
    await expectEarlyExit(() => tap(() => undefined));
    await expectEarlyExit(() => tap(async () => undefined));
  });

  it('rejects with the same error object the source throws', async () => {
    const err = new TestError('source failed');
    await expectRejectsEverywhere(() => tap(() => undefined), () => new Counted(1, err).async(), err);
    await expectRejectsEverywhere(() => tap(() => undefined), () => new Counted(1, err).sync(), err);
  });

  it('rejects with the same error object fn throws or rejects with', async () => {
    const err = new TestError('tap failed');
    await expectRejectsEverywhere(
      () =>
        tap(() => {
          throw err;
        }),
      () => [1],
      err,
    );
    await expectRejectsEverywhere(() => tap(async () => Promise.reject(err)), () => [1], err);
    const src = new Counted();
    await expect(toArray(tap(async () => Promise.reject(err))(src.async()))).rejects.toBe(err);
    expect(src.finallies).toBe(1);
  });

  it('checks its arguments when called', () => {
    expect(() => tap(null as never)).toThrow(GenstreamArgumentError);
    expect(() => tap(null as never)).toThrow('tap: expected `fn` to be a function, got `null`');
  });
});
