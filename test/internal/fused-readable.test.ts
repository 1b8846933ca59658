import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { NullValueError } from '../../lib/internal/errors.js';
import { LineTooLongError } from '../../lib/internal/errors.js';
import { failedStage } from '../../lib/internal/stage-error.js';
import { filter } from '../../lib/operators/filter.js';
import { lines } from '../../lib/operators/lines.js';
import { map } from '../../lib/operators/map.js';
import { take } from '../../lib/operators/take.js';
import { collect, counted, settledError, TestError, watchUnhandled } from '../helpers.js';

watchUnhandled();

/** What stream.pipeline passes a function stage as its second argument. */
const pipelineCall = () => ({ signal: new AbortController().signal });

describe('a fusable operator called by stream.pipeline', () => {
  it('returns a Readable (so pipeline pipes it into the next stream), and a generator when called with the source only', () => {
    const op = map((n: number) => n + 1);
    const called = (op as unknown as (s: unknown, ctx: unknown) => unknown)([1], pipelineCall());
    expect(called).toBeInstanceOf(Readable);
    const plain = op([1]);
    expect(plain).not.toBeInstanceOf(Readable);
    expect(typeof plain.next).toBe('function');
  });

  it('pushes every line of a chunk before it reads the next chunk (one wake-up per chunk)', async () => {
    const events: string[] = [];
    async function* source() {
      events.push('read 1');
      yield 'a\nb\nc\n';
      events.push('read 2');
      yield 'd\n';
    }
    const sink = new Writable({
      objectMode: true,
      write(line: string, _e, cb) {
        events.push(line);
        cb();
      },
    });
    await pipeline(source, lines(), sink);
    expect(events).toEqual(['read 1', 'a', 'b', 'c', 'read 2', 'd']);
  });

  it('hands the lines before a line too long to the sink, then fails with LineTooLongError', async () => {
    const out: string[] = [];
    const err = await pipeline(Readable.from(['ab\ncd\n', 'x'.repeat(20)]), lines({ maxLineLength: 10 }), collect(out)).then(...settledError);
    expect(err).toBeInstanceOf(LineTooLongError);
    expect(out).toEqual(['ab', 'cd']);
  });

  it('resolves when take() stops an endless source, and runs the source finally once', async () => {
    const { state, source } = counted();
    const out: number[] = [];
    await pipeline(source, take(3), collect(out));
    expect(out).toEqual([0, 1, 2]);
    expect(state.finallies).toBe(1);
    expect(state.completed).toBe(false);
  });

  it('rejects with the sink error as the same object and returns the source', async () => {
    const { state, source } = counted();
    const boom = new TestError('sink');
    const sink = new Writable({
      objectMode: true,
      write(n: number, _e, cb) {
        cb(n === 10 ? boom : null);
      },
    });
    const err = await pipeline(source, map((n: number) => n * 2), sink).then(...settledError);
    expect(err).toBe(boom);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.finallies).toBe(1);
  });

  it("fails with the user function's error as the same object, attributed to the operator", async () => {
    const boom = new TestError('fn');
    const out: number[] = [];
    const err = await pipeline(
      Readable.from([1, 2, 3]),
      map((n: number) => {
        if (n === 3) throw boom;
        return n;
      }),
      collect(out),
    ).then(...settledError);
    expect(err).toBe(boom);
    expect(out).toEqual([1, 2]);
  });

  it('fails with a NullValueError naming the operator when it yields null', async () => {
    const err = await pipeline(Readable.from([1]), map(() => null), collect([])).then(...settledError);
    expect(err).toBeInstanceOf(NullValueError);
    expect((err as Error).message).toMatch(/map/);
    expect(failedStage(err)).toBeUndefined();
  });

  it('aborts with the pipeline signal and returns the source', async () => {
    const { state, source } = counted();
    const ac = new AbortController();
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(n: number, _e, cb) {
        if (n === 3) ac.abort();
        setTimeout(cb, 1);
      },
    });
    const err = await pipeline(source, filter((n: number) => n >= 0), slow, { signal: ac.signal }).then(...settledError);
    expect((err as Error).name).toBe('AbortError');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(state.finallies).toBe(1);
  });

  it('keeps backpressure: a slow sink holds the source back', async () => {
    const { state, source } = counted();
    let written = 0;
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(_n: number, _e, cb) {
        written++;
        setTimeout(cb, 1);
      },
    });
    const done = pipeline(source, take(50) as never, map((n: number) => n), slow);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Items in flight: map's readable buffer (16), the sink's buffer (1), one being written, one in the step.
    expect(written).toBeGreaterThan(0);
    expect(state.produced - written).toBeLessThanOrEqual(16 + 1 + 1 + 1);
    await done;
    expect(written).toBe(50);
  });

  it('is iterated as a plain generator when the next stage is a function', async () => {
    const seen: number[] = [];
    await pipeline(
      Readable.from([1, 2, 3]),
      map((n: number) => n * 10),
      async function* (source: AsyncIterable<number>) {
        for await (const n of source) yield n + 1;
      },
      new Writable({
        objectMode: true,
        write(n: number, _e, cb) {
          seen.push(n);
          cb();
        },
      }),
    );
    expect(seen).toEqual([11, 21, 31]);
  });

  it('awaits a promise item before pushing it (as a generator yield would)', async () => {
    const out: number[] = [];
    await pipeline(Readable.from([Promise.resolve(7)], { objectMode: true }), filter(() => true), collect(out));
    expect(out).toEqual([7]);
  });
});
