import { createReadStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { ReadableStream, TransformStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import {
  chain,
  failedStage,
  filter,
  flatMap,
  GenstreamArgumentError,
  lines,
  map,
  pipe,
  run,
  tee,
  take,
  toArray as toArrayOp,
  toReadable,
  toWebReadable,
  type StageContext,
  type TypedDuplex,
  type TypedReadable,
} from '../../lib/index.js';
import { collect, deferred, Flow, TestError, tick, ticks, toArray, until, watchUnhandled, settledError, thrown } from '../helpers.js';
import { permutations, STAGE_KINDS, STAGE_LABELS, stageOf } from './stages.js';

watchUnhandled();

/** `pipe()`/`run()` over runtime lists of stages (the typed overloads need a fixed arity). */
const pipeOf = pipe as (source: unknown, ...stages: unknown[]) => AsyncGenerator<unknown, void, undefined>;
const runOf = run as (source: unknown, ...stagesAndSink: unknown[]) => Promise<unknown>;

/** A generator stage that passes items on, recording its `finally` runs and its signal. */
function counted<T>() {
  const state = { finallies: 0, signal: undefined as AbortSignal | undefined };
  const stage = async function* counted(source: AsyncIterable<T>, ctx: StageContext) {
    state.signal = ctx.signal;
    try {
      for await (const x of source) yield x;
    } finally {
      state.finallies++;
    }
  };
  return { state, stage };
}

/** Runs `fn` and returns what it threw synchronously (or `undefined`). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function expectArgumentError(err: unknown, message: RegExp): void {
  expect(err).toBeInstanceOf(TypeError);
  expect(err).toBeInstanceOf(GenstreamArgumentError);
  expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
  expect((err as Error).message).toMatch(message);
}

describe('pipe', () => {
  describe('sources', () => {
    const sources: Record<string, () => unknown> = {
      'an array': () => [1, 2, 3],
      'a Set': () => new Set([1, 2, 3]),
      'a sync generator': () =>
        (function* () {
          yield* [1, 2, 3];
        })(),
      'an async generator': () =>
        (async function* () {
          yield* [1, 2, 3];
        })(),
      'a generator function': () =>
        async function* () {
          yield* [1, 2, 3];
        },
      'a Node Readable': () => Readable.from([1, 2, 3]),
      'a genstream toReadable': () => toReadable([1, 2, 3]),
      'a Web ReadableStream': () => toWebReadable([1, 2, 3]),
    };

    it.each(Object.keys(sources))('reads %s', async (name) => {
      expect(await toArray(pipeOf(sources[name](), map((n: number) => n * 2)))).toEqual([2, 4, 6]);
    });

    it('yields the source itself with no stages', async () => {
      expect(await toArray(pipe(new Set(['a', 'b'])))).toEqual(['a', 'b']);
      expect(await toArray(pipe(toReadable([{ a: 1 }])))).toEqual([{ a: 1 }]);
    });

    it('does not start a generator source before the first next()', async () => {
      const flow = new Flow();
      const out = pipe(flow.source(3), map((n: number) => n));
      await ticks(3);
      expect(flow.produced).toBe(0);
      expect(await toArray(out)).toEqual([0, 1, 2]);
      expect(flow.finallies).toBe(1);
    });
  });

  describe('stage kinds', () => {
    it('runs every stage kind in several orders, with the same results as the functions in sequence', async () => {
      const steps = [(n: number) => n + 1, (n: number) => n * 2, (n: number) => n - 3, (n: number) => n * 5, (n: number) => n + 7, (n: number) => -n];
      const input = [0, 1, 2, 3, 4, 5, 6, 7];
      const orders = permutations(STAGE_KINDS);
      // Every 37th of the 720 orders: 20 orders in which each kind takes several positions.
      for (let o = 0; o < orders.length; o += 37) {
        const order = orders[o];
        const out = await toArray(pipeOf(input, ...order.map((kind, i) => stageOf(kind, steps[i]))));
        expect(out, order.join(' > ')).toEqual(input.map((n) => steps.reduce((x, f) => f(x), n)));
      }
    });

    it('runs a chain() Duplex and a csv-parse Transform as stages', async () => {
      const rows = pipe(
        ['a,1\nb,', '2\n'],
        parse() as TypedDuplex<unknown, string[]>,
        chain(map((row: string[]) => ({ key: row[0], n: Number(row[1]) })), filter((r) => r.n > 0)),
        map((r: { key: string; n: number }) => `${r.key}=${r.n}`),
      );
      expect(await toArray(rows)).toEqual(['a=1', 'b=2']);
    });
  });

  describe('early exit', () => {
    it('ends after take(5) in the middle of a fused group, returning an infinite source', async () => {
      const flow = new Flow();
      const out = await toArray(pipe(flow.source(), map((n: number) => n * 2), take(5), map((n: number) => n + 1)));
      expect(out).toEqual([1, 3, 5, 7, 9]);
      expect(flow.finallies).toBe(1);
      expect(flow.produced).toBe(5);
    });

    it('runs the source and generator stages’ finally before a break in for await completes', async () => {
      const flow = new Flow();
      const stage = counted<number>();
      const seen: number[] = [];
      for await (const n of pipe(flow.source(), map((n: number) => n * 2), stage.stage, filter((n: number) => n % 3 !== 0))) {
        seen.push(n);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([2, 4, 8]);
      expect(flow.finallies).toBe(1);
      expect(stage.state.finallies).toBe(1);
      // Leaving early aborts the signal of the generator stages (it does not on a normal end).
      expect(stage.state.signal?.aborted).toBe(true);
    });

    it('does not abort ctx.signal when the source ends normally', async () => {
      const stage = counted<number>();
      expect(await toArray(pipe([1, 2], stage.stage))).toEqual([1, 2]);
      expect(stage.state.signal?.aborted).toBe(false);
    });

    it('completes the source’s async cleanup before a break below a TransformStream completes', async () => {
      let produced = 0;
      let cleaned = 0;
      async function* source() {
        try {
          for (;;) yield produced++;
        } finally {
          await tick(); // e.g. closing a file handle
          cleaned++;
        }
      }
      const seen: number[] = [];
      for await (const n of pipe(source, new TransformStream<number, number>(), map((n: number) => n))) {
        seen.push(n);
        await tick(); // a slow consumer: the feed into the TransformStream waits for room
        if (seen.length === 4) break;
      }
      expect(seen).toEqual([0, 1, 2, 3]);
      expect(cleaned).toBe(1);
      // The same through run(): the sink returns early and run() resolves after the cleanup.
      produced = 0;
      cleaned = 0;
      const first = await run(source, new TransformStream<number, number>(), async (src) => {
        for await (const n of src) {
          await tick();
          return n;
        }
      });
      expect(first).toBe(0);
      expect(cleaned).toBe(1);
    });

    it('runs the source’s finally after a break below a Node stream stage (once the feed sees it)', async () => {
      const flow = new Flow();
      const middle = new PassThrough({ objectMode: true }) as TypedDuplex<number, number>;
      const seen: number[] = [];
      for await (const n of pipe(flow.source(), middle, map((n: number) => n))) {
        seen.push(n);
        if (seen.length === 4) break;
      }
      expect(seen).toEqual([0, 1, 2, 3]);
      expect(middle.destroyed).toBe(true);
      await until(() => flow.finallies === 1);
    });
  });

  describe('errors', () => {
    it.each(STAGE_KINDS)('throws the same object from the loop when a %s stage fails, naming the stage', async (kind) => {
      const err = new TestError(kind);
      const flow = new Flow();
      const out = pipeOf(
        flow.source(),
        map((n: number) => n),
        stageOf(kind, (n) => {
          if (n === 4) throw err;
          return n;
        }),
        counted<number>().stage,
      );
      const seen: unknown[] = [];
      const failure = await (async () => {
        for await (const n of out) seen.push(n);
      })().catch((e: unknown) => e);
      expect(failure).toBe(err);
      expect(failedStage(err)).toEqual({ index: 1, label: STAGE_LABELS[kind] });
      expect(seen).toEqual([0, 1, 2, 3]);
      await until(() => flow.finallies === 1);
    });

    it('throws a source error as the same object, with no stage blamed', async () => {
      const err = new TestError('source');
      const stage = counted<number>();
      const out = pipe(
        (async function* () {
          yield 1;
          throw err;
        })(),
        map((n: number) => n),
        stage.stage,
      );
      expect(await toArray(out).catch((e: unknown) => e)).toBe(err);
      expect(failedStage(err)).toBeUndefined();
      expect(stage.state.finallies).toBe(1);
    });

    it('does not blame the generator stage that rethrows a sync source’s error', async () => {
      const err = new TestError('sync source');
      const out = pipe(
        (function* () {
          yield 1;
          throw err;
        })(),
        counted<number>().stage,
      );
      expect(await toArray(out).catch((e: unknown) => e)).toBe(err);
      expect(failedStage(err)).toBeUndefined();
    });

    it('still awaits promise items of a sync source in a generator stage', async () => {
      const out = pipe([Promise.resolve(1), 2], async function* (source: AsyncIterable<number>) {
        for await (const n of source) yield n * 10;
      });
      expect(await toArray(out)).toEqual([10, 20]);
    });

    it('passes a thrown non-Error value through unchanged', async () => {
      const out = pipe(
        [1],
        map(() => {
          throw 'a string';
        }),
      );
      expect(await toArray(out).catch((e: unknown) => e)).toBe('a string');
    });
  });

  describe('invalid arguments', () => {
    const locked = new ReadableStream();
    locked.getReader();
    const sources: { name: string; source: unknown; message: RegExp }[] = [
      { name: 'a number', source: 42, message: /^pipe: expected `source` to be an iterable.*, got `42` \(number\)$/ },
      { name: 'a plain object', source: { a: 1 }, message: /^pipe: expected `source` to be an iterable.*, got an object \(Object\)$/ },
      { name: 'a string', source: 'abc', message: /^pipe: expected `source` to be an iterable.*, got `"abc"` \(string\)$/ },
      { name: 'undefined', source: undefined, message: /got `undefined`$/ },
      { name: 'a function returning a number', source: () => 5, message: /^pipe: expected `source` function to return an iterable.*, got `5` \(number\)$/ },
      { name: 'a Writable', source: new Writable({ write: (_c, _e, cb) => cb() }), message: /^pipe: expected `source` to be readable.*, got an object \(Writable\)$/ },
      { name: 'a locked ReadableStream', source: locked, message: /^fromWebReadable: expected `stream` to be unlocked.*, got an object \(ReadableStream\)$/ },
    ];

    it.each(sources)('throws a TypeError at call time for a source that is $name', ({ source, message }) => {
      expectArgumentError(
        thrownBy(() => pipeOf(source, map((n: number) => n))),
        message,
      );
    });

    it('throws a TypeError at call time naming an invalid stage by its index (not counting the source)', () => {
      expectArgumentError(
        thrownBy(() => pipeOf([1], map((n: number) => n), {}, map((n: number) => n))),
        /^pipe: stage 1 must be .*, got an object \(Object\)$/,
      );
      const used = new PassThrough();
      chain(used);
      expectArgumentError(
        thrownBy(() => pipeOf([1], used)),
        /^pipe: stage 0 is a stream instance already used by another chain/,
      );
    });
  });
});

describe('run', () => {
  it('has run the source finally before it resolves when the sink returns early across a Node stream stage', async () => {
    let finallies = 0;
    async function* naturals() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finallies++;
      }
    }
    const firstTwo = await run(naturals, new PassThrough({ objectMode: true }), async (source) => {
      const got: unknown[] = [];
      for await (const n of source) if (got.push(n) === 2) break;
      return got;
    });
    expect(firstTwo).toEqual([0, 1]);
    expect(finallies).toBe(1);
  });

  it('resolves with what an async function sink returns', async () => {
    const total = await run([1, 2, 3], map((n: number) => n * 2), async (source) => {
      let sum = 0;
      for await (const n of source) sum += n;
      return sum;
    });
    expect(total).toBe(12);
  });

  it('resolves with what a sync function sink returns, and takes toArray as a sink', async () => {
    expect(await run([1, 2], map((n: number) => n), () => 'sync result')).toBe('sync result');
    expect(await run([3, 1, 2], filter((n: number) => n > 1), map((n) => [n]), toArrayOp)).toEqual([[3], [2]]);
  });

  it('writes into a Writable sink and resolves (with undefined) only after it finished', async () => {
    const out: number[] = [];
    const sink = collect<number>(out);
    const result = await run(toReadable([1, 2, 3]), map((n: number) => n + 1), sink);
    expect(result).toBeUndefined();
    expect(out).toEqual([2, 3, 4]);
    expect(sink.writableFinished).toBe(true);
  });

  it('runs every stage kind into a Writable sink', async () => {
    const out: number[] = [];
    await runOf(
      [1, 2, 3],
      ...STAGE_KINDS.map((kind, i) => stageOf(kind, (n) => n * 2 + i)),
      collect(out),
    );
    const model = [1, 2, 3].map((n) => STAGE_KINDS.reduce((x, _, i) => x * 2 + i, n));
    expect(out).toEqual(model);
  });

  it('honours a slow Writable sink’s backpressure', async () => {
    const flow = new Flow();
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 2,
      write(_chunk, _encoding, cb) {
        flow.consume().then(() => cb(), cb);
      },
    });
    const done = run(flow.source(200), map((n: number) => n), filter(() => true), sink);
    await done;
    expect(flow.consumed).toBe(200);
    // Pull-based up to the sink: its buffer (2) plus the item being produced and the one being written.
    expect(flow.peak).toBeLessThanOrEqual(2 + 2);
    expect(flow.finallies).toBe(1);
  });

  it('returns the stages and the source before resolving when the sink returns early', async () => {
    const flow = new Flow();
    const stage = counted<number>();
    const first = await run(flow.source(), stage.stage, map((n: number) => n * 3), async (source) => {
      for await (const n of source) if (n > 10) return n;
      return -1;
    });
    expect(first).toBe(12);
    expect(flow.finallies).toBe(1);
    expect(stage.state.finallies).toBe(1);
  });

  it('rejects with the same object when the sink throws, after returning the stages and the source', async () => {
    const err = new TestError('sink');
    const flow = new Flow();
    const stage = counted<number>();
    const failure = await run(flow.source(), stage.stage, async (source) => {
      for await (const n of source) if (n === 3) throw err;
    }).catch((e: unknown) => e);
    expect(failure).toBe(err);
    expect(failedStage(err)).toBeUndefined();
    expect(flow.finallies).toBe(1);
    expect(stage.state.finallies).toBe(1);
  });

  it('rejects with the same object when a stage fails; failedStage counts stages, not the source', async () => {
    const err = new TestError('stage');
    const flow = new Flow();
    const failure = await run(
      flow.source(),
      map((n: number) => n),
      flatMap((n: number) => [n, n]),
      async function* check(source: AsyncIterable<number>) {
        for await (const n of source) {
          if (n === 2) throw err;
          yield n;
        }
      },
      toArrayOp,
    ).catch((e: unknown) => e);
    expect(failure).toBe(err);
    expect(failedStage(err)).toEqual({ index: 2, label: 'generator "check"' });
    expect(flow.finallies).toBe(1);
  });

  it('rejects with the same object when the Writable sink fails', async () => {
    const err = new TestError('writable');
    const flow = new Flow();
    const sink = new Writable({
      objectMode: true,
      write(chunk: number, _encoding, cb) {
        cb(chunk === 5 ? err : null);
      },
    });
    const failure = await run(flow.source(), map((n: number) => n), sink).catch((e: unknown) => e);
    expect(failure).toBe(err);
    await until(() => flow.finallies === 1);
    expect(sink.destroyed).toBe(true);
  });

  it('rejects once, with no unhandled rejection, when the source and the sink both fail', async () => {
    const sourceErr = new TestError('source');
    const gate = deferred();
    const failure = await run(
      (async function* () {
        yield 1;
        await gate.promise;
        throw sourceErr;
      })(),
      map((n: number) => n),
      async (source) => {
        for await (const _ of source) gate.resolve();
      },
    ).catch((e: unknown) => e);
    expect(failure).toBe(sourceErr);
  });

  describe('invalid arguments', () => {
    const sinks: { name: string; args: unknown[]; got: string }[] = [
      { name: 'a number', args: [map((n: number) => n), 42], got: '`42` (number)' },
      { name: 'a plain object', args: [{}], got: 'an object (Object)' },
      { name: 'a Readable', args: [new Readable({ read() {} })], got: 'an object (Readable)' },
      { name: 'missing', args: [], got: '`undefined`' },
    ];

    it.each(sinks)('throws a TypeError at call time when the sink is $name', ({ args, got }) => {
      expectArgumentError(
        thrownBy(() => runOf([1], ...args)),
        new RegExp(`^run: expected the last argument \\(\`sink\`\\) to be a function that consumes the output .* a Writable stream or a Web WritableStream, got ${got.replace(/[()`]/g, '\\$&')}$`),
      );
    });

    it('throws a TypeError at call time for a bad source or stage, before calling the sink', () => {
      let calls = 0;
      const sink = async () => {
        calls++;
      };
      expectArgumentError(
        thrownBy(() => runOf(42, sink)),
        /^run: expected `source` to be an iterable/,
      );
      expectArgumentError(
        thrownBy(() => runOf([1], map((n: number) => n), 7, sink)),
        /^run: stage 1 must be .*, got `7` \(number\)$/,
      );
      expect(calls).toBe(0);
    });
  });
});

describe('pipe() and run() when the consumer stops before its first read', () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;

  it("run(): a sink that returns at once destroys a Readable source and returns a generator source's iterator", async () => {
    let finallies = 0;
    const readable = toReadable(async function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finallies++;
      }
    });
    expect(await run(readable, map((n: number) => n), async () => 'skip')).toBe('skip');
    expect(readable.destroyed).toBe(true);
    expect(finallies).toBe(0); // its generator never started, so it has no finally to run
  });

  it('pipe(...).return() before any next() destroys the source and the stream instances given as stages', async () => {
    const readable = new Readable({ objectMode: true, read() {} }) as TypedReadable<number>;
    const stage = new PassThrough({ objectMode: true });
    await pipe(readable, map((n: number) => n), stage).return(undefined);
    expect(readable.destroyed).toBe(true);
    expect(stage.destroyed).toBe(true);
  });

  it('gives back every file descriptor: 100 runs of run(createReadStream(f), lines(), async () => "skip")', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genstream-fds-'));
    const file = join(dir, 'log.txt');
    writeFileSync(file, 'a\nb\nc\n'.repeat(1000));
    try {
      const before = openFds();
      const streams = Array.from({ length: 100 }, (): TypedReadable<Buffer> => createReadStream(file));
      for (const stream of streams) await run(stream, lines(), async () => 'skip');
      await until(() => streams.every((stream) => stream.closed)); // each opened its file, then closed it
      expect(streams.every((stream) => stream.destroyed)).toBe(true);
      expect(openFds()).toBeLessThanOrEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('releases a tee branch run that way, so the other branch is not stalled', async () => {
    const [a, b] = tee(
      (function* () {
        yield* Array.from({ length: 100 }, (_, i) => i);
      })(),
      2,
      { bufferSize: 4 },
    );
    expect(await run(a, map((n: number) => n), async () => 'skip')).toBe('skip');
    expect(await toArray(b)).toHaveLength(100);
  });
});

describe('run() without a sink', () => {
  it('is a GenstreamArgumentError at call time when the last argument is an operator', () => {
    const err = thrown(() => run([1, 2], map((n: number) => n), map((n: number) => n) as never));
    expect(err).toBeInstanceOf(GenstreamArgumentError);
    expect((err as Error).message).toMatch(/^run: expected the last argument \(`sink`\) to be a function that consumes the output/);
    expect((err as Error).message).toContain('got function `map` at position 1, which is a stage');
  });

  it('is a GenstreamArgumentError when the last argument is a generator function', () => {
    const err = thrown(() =>
      run([1], async function* stage(s: AsyncIterable<number>) {
        yield* s;
      } as never),
    );
    expect(err).toBeInstanceOf(GenstreamArgumentError);
    expect((err as Error).message).toContain('got function `stage` at position 0, which is a stage');
  });

  it('rejects when a plain function sink returns an iterable instead of consuming, and releases the source', async () => {
    let finallies = 0;
    async function* source() {
      try {
        yield 1;
        yield 2;
      } finally {
        finallies++;
      }
    }
    const gen = source();
    await gen.next(); // started, so its finally must run when run() releases it
    const err = await run(gen, map((n: number) => n), ((s: AsyncIterable<number>) => s) as never).then(...settledError);
    expect(err).toBeInstanceOf(GenstreamArgumentError);
    expect((err as Error).message).toContain('without consuming the output');
    expect(finallies).toBe(1);
  });
});
