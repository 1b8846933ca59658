/**
 * Every error, crash and bad-input path of parallelMap, against real worker threads (fixtures in
 * ./fixtures): what the consumer receives, that no work starts after a failure, that the source is
 * returned, and that no worker thread is left when the stage settles.
 */
import { execFile } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AbortError, chain, failedStage, GenstreamArgumentError, map, pipe, run, toArray as toArraySink, toReadable } from '../../lib/index.js';
import { parallelMap, WorkerCloneError, WorkerCrashError, WorkerLoadError } from '../../lib/workers/index.js';
import { abortListeners, counted, settledError, thrown, toArray, until, watchUnhandled } from '../helpers.js';
import { guard, WAYS } from '../operators/harness.js';
import { fixture, trackWorkers } from './helpers.js';

watchUnhandled();
const workers = trackWorkers();

/** Runs `stage` over `source` with `for await`, pushing into `got`; resolves with what it threw. */
function failureOf(stage: (source: any) => AsyncIterable<unknown>, source: Iterable<unknown> | AsyncIterable<unknown>, got: unknown[] = []): Promise<unknown> {
  return guard(
    (async () => {
      for await (const x of stage(source)) got.push(x);
    })().then(...settledError),
    3000,
    'rejection',
  );
}

/** Worker threads that serve a batch are referenced: each is one 'MessagePort' among the active resources. */
const activePorts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

const throwsUrl = fixture('throws.mjs');

/** The ParseError that throws.mjs throws on item 2, as rebuilt on this side. */
function expectParseError(err: unknown, where = ''): void {
  expect(err, where).toBeInstanceOf(Error);
  const e = err as Error & Record<string, unknown>;
  expect(e.name, where).toBe('ParseError');
  expect(e.message, where).toBe('bad item 2');
  expect(e.code, where).toBe('E_PARSE');
  expect(e.line, where).toBe(7);
  expect(e.details, where).toEqual({ item: 2, tags: ['a', 'b'] });
  expect(e.stack, where).toMatch(/^ParseError: bad item 2\n\s+at parse \(file:\/\/\/.*\/test\/workers\/fixtures\/throws\.mjs:\d+:\d+\)/);
  expect(e.cause, where).toBeInstanceOf(RangeError);
  expect((e.cause as Error).message, where).toBe('inner cause');
  expect((e.cause as Error).stack, where).toContain('throws.mjs');
}

describe('parallelMap', () => {
  describe('a throw in the worker function', () => {
    it('reaches a for-await consumer with its name, message, stack, own properties and cause', async () => {
      const err = await failureOf(parallelMap(throwsUrl, { threads: 1 }), [0, 1, 2, 3]);
      expectParseError(err);
      expect(failedStage(err)).toBeUndefined();
      expect(workers.live).toBe(0);
    });

    it('reaches the consumer the same way through stream.pipeline, fromGen, chain() and pipe(), over sync and async sources', async () => {
      for (const [way, runWay] of WAYS) {
        for (const source of [() => [0, 1, 2, 3], async function* () { yield* [0, 1, 2, 3]; }]) {
          const err = await guard(runWay(parallelMap(throwsUrl, { threads: 1 }), source).then(...settledError), 3000, way);
          expectParseError(err, way);
        }
      }
      expect(workers.live).toBe(0);
    });

    it('names its stage through failedStage() in chain() and run()', async () => {
      const inChain = await pipeline(toReadable([0, 1, 2, 3]), chain(map((n: number) => n), parallelMap(throwsUrl, { threads: 1 })), async (s: AsyncIterable<unknown>) => {
        for await (const _ of s);
      }).then(...settledError);
      expectParseError(inChain);
      expect(failedStage(inChain)).toEqual({ index: 1, label: 'generator "parallelMap"' });

      const inRun = await run([0, 1, 2, 3], map((n: number) => n), parallelMap(throwsUrl, { threads: 1 }), toArraySink).then(...settledError);
      expectParseError(inRun);
      expect(failedStage(inRun)).toEqual({ index: 1, label: 'generator "parallelMap"' });

      const inPipe = await toArray(pipe([0, 1, 2, 3], parallelMap(throwsUrl, { threads: 1 }), map((n: unknown) => n))).then(...settledError);
      expectParseError(inPipe);
      expect(failedStage(inPipe)).toEqual({ index: 0, label: 'generator "parallelMap"' });
    });

    it('rebuilds a built-in error class as that class (a TypeError from the engine)', async () => {
      const err = await failureOf(parallelMap(throwsUrl, { threads: 1, export: 'typeError' }), [0, 1, 2]);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as TypeError).name).toBe('TypeError');
      expect((err as TypeError).message).toBe('n.toUpperCase is not a function');
      expect((err as TypeError).stack).toContain('throws.mjs');
    });

    it('delivers a thrown string as that string and a thrown plain object as an equal object', async () => {
      expect(await failureOf(parallelMap(throwsUrl, { threads: 1, export: 'throwString' }), [0, 1, 2])).toBe('plain string thrown');
      expect(await failureOf(parallelMap(throwsUrl, { threads: 1, export: 'throwObject' }), [0, 1, 2])).toEqual({ reason: 'not an error', n: 2 });
    });

    it('delivers an async function rejection with its code and other own properties', async () => {
      const err = (await failureOf(parallelMap(fixture('async-rejects.mjs'), { threads: 1 }), [0, 1, 2, 3])) as Error & Record<string, unknown>;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toBe('request 2 failed');
      expect(err.code).toBe('E_REMOTE');
      expect(err.status).toBe(503);
      expect(err.stack).toContain('async-rejects.mjs');
    });

    it('sends an own property structured clone cannot copy (a function) as its text, keeping the other properties', async () => {
      const err = (await failureOf(parallelMap(throwsUrl, { threads: 1, export: 'throwWithFunctionProp' }), [0, 1, 2])) as Error & Record<string, unknown>;
      expect(err.message).toBe('has a function property');
      expect(err.code).toBe('E_FN');
      expect(err.retry).toBe('() => n');
    });

    // BUG: a thrown value that structured clone cannot copy kills the worker; it is reported as a crash.
    it('fails with the thrown value described when the function throws something structured clone cannot copy (a Symbol), not with a crash', async () => {
      const err = await failureOf(parallelMap(throwsUrl, { threads: 1, export: 'throwSymbol' }), [0, 1, 2]);
      expect(err).not.toBeInstanceOf(WorkerCrashError);
      expect(String((err as Error | undefined)?.message ?? err)).toContain('Symbol(thrown symbol)');
    });

    // BUG: AggregateError is a built-in class, but it arrives as a plain Error without its `errors`.
    it('rebuilds an AggregateError as an AggregateError with its errors', async () => {
      const err = await failureOf(parallelMap(throwsUrl, { threads: 1, export: 'throwAggregate' }), [0, 1, 2]);
      expect((err as Error).message).toBe('all attempts failed');
      expect(err).toBeInstanceOf(AggregateError);
      const errors = (err as AggregateError).errors as Error[];
      expect(errors.map((e) => e.message)).toEqual(['first', 'second']);
      expect(errors[1]).toBeInstanceOf(TypeError);
    });

    it('starts no batch after the error: the function ran up to the failing item and the source was not read to the end', async () => {
      // threads 1, concurrency 1, batches of 2: batches [0,1] [2,3] [4,5] run one after another, [6,7]
      // is read and waiting when item 4 throws.
      const calls = new Int32Array(new SharedArrayBuffer(4));
      const src = counted(1000);
      const items = (async function* () {
        for await (const n of src.source) yield { n, calls, failAt: 4 };
      })();
      const got: unknown[] = [];
      const err = await failureOf(parallelMap(fixture('counts.mjs'), { threads: 1, concurrency: 1, batchSize: 2 }), items, got);
      expect((err as Error).message).toBe('failed at 4');
      expect(got).toEqual([0, 1, 2, 3]);
      expect(calls[0]).toBe(5); // items 0..4: item 5 (after the throw in its batch) and batch [6,7] never ran
      expect(src.state.produced).toBe(8);
      expect(src.state.finallies).toBe(1);
      expect(workers.live).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(calls[0]).toBe(5);
      expect(src.state.produced).toBe(8);
    });

    it('rejects at once when another worker still runs a batch that never ends, and terminates that worker', async () => {
      const before = activePorts();
      const err = await failureOf(parallelMap(fixture('hangs.mjs'), { threads: 2, batchSize: 1 }), ['hang', 'throw', 3]);
      expect((err as Error).message).toBe('thrown beside a hung item');
      expect(workers.live).toBe(0);
      expect(activePorts()).toBe(before);
    });

    it('drops the results of earlier items in the failing batch (what the code does: values sent with the error are ignored)', async () => {
      // One batch [0, 1, 2, 3]: items 0 and 1 were computed before item 2 threw.
      const got: unknown[] = [];
      expectParseError(await failureOf(parallelMap(throwsUrl, { threads: 1 }), [0, 1, 2, 3], got));
      expect(got).toEqual([]);
      // Batches of one: 0 and 1 came back before 2 threw, and are delivered.
      const got1: unknown[] = [];
      expectParseError(await failureOf(parallelMap(throwsUrl, { threads: 1, batchSize: 1 }), [0, 1, 2, 3], got1));
      expect(got1).toEqual([0, 10]);
    });
  });

  describe('arguments', () => {
    const url = fixture('double.mjs');
    const MODULE = 'parallelMap: expected `module` to be a file: or data: URL or an absolute path (resolve a relative one with new URL(path, import.meta.url)), got ';
    const cases: [string, () => unknown, string][] = [
      ['a relative path', () => parallelMap('./fixtures/double.mjs'), `${MODULE}\`"./fixtures/double.mjs"\` (string)`],
      ['a number as module', () => parallelMap(42 as never), `${MODULE}\`42\` (number)`],
      ['an http: URL', () => parallelMap(new URL('http://example.com/worker.mjs')), 'parallelMap: expected `module` to be a file: or data: URL or an absolute path, got a http: URL (http://example.com/worker.mjs)'],
      ['an http: URL string', () => parallelMap('http://example.com/worker.mjs'), `${MODULE}\`"http://example.com/worker.mjs"\` (string)`],
      ['options not an object', () => parallelMap(url, 'fast' as never), 'parallelMap: expected `options` to be an object, got `"fast"` (string)'],
      ['threads 0', () => parallelMap(url, { threads: 0 }), 'parallelMap: expected `options.threads` to be a positive integer, got `0` (number)'],
      ['batchSize 1.5', () => parallelMap(url, { batchSize: 1.5 }), 'parallelMap: expected `options.batchSize` to be a positive integer, got `1.5` (number)'],
      ['concurrency -1', () => parallelMap(url, { concurrency: -1 }), 'parallelMap: expected `options.concurrency` to be a positive integer, got `-1` (number)'],
      ['maxBuffered 0', () => parallelMap(url, { maxBuffered: 0 }), 'parallelMap: expected `options.maxBuffered` to be a positive integer, got `0` (number)'],
      [
        'maxBuffered below concurrency',
        () => parallelMap(url, { concurrency: 4, maxBuffered: 3 }),
        'parallelMap: expected `options.maxBuffered` to be at least `options.concurrency` (4), got `3` (number)',
      ],
      [
        'maxBuffered below the default concurrency (2 × threads)',
        () => parallelMap(url, { threads: 3, maxBuffered: 5 }),
        'parallelMap: expected `options.maxBuffered` to be at least the concurrency (6: the default, 2 × threads), got `5` (number)',
      ],
      ['ordered "yes"', () => parallelMap(url, { ordered: 'yes' as never }), 'parallelMap: expected `options.ordered` to be a boolean, got `"yes"` (string)'],
      ['export ""', () => parallelMap(url, { export: '' }), 'parallelMap: expected `options.export` to be an export name, got `""` (string)'],
      ['export 1', () => parallelMap(url, { export: 1 as never }), 'parallelMap: expected `options.export` to be an export name, got `1` (number)'],
      ['signal not an AbortSignal', () => parallelMap(url, { signal: { aborted: false } as never }), 'parallelMap: expected `options.signal` to be an AbortSignal, got an object (Object)'],
      ['transfer "x"', () => parallelMap(url, { transfer: 'x' as never }), 'parallelMap: expected `options.transfer` to be a boolean or { items?: boolean, results?: boolean }, got `"x"` (string)'],
      [
        'transfer { items: 1 }',
        () => parallelMap(url, { transfer: { items: 1 } as never }),
        'parallelMap: expected `options.transfer` to be a boolean or { items?: boolean, results?: boolean }, got an object (Object)',
      ],
      ['resourceLimits null', () => parallelMap(url, { resourceLimits: null as never }), 'parallelMap: expected `options.resourceLimits` to be an object, got `null`'],
      ['a named stage', () => parallelMap(url, { name: 'hash', threads: 0 }), 'parallelMap "hash": expected `options.threads` to be a positive integer, got `0` (number)'],
      ['a non-iterable source', () => parallelMap(url)(42 as never), 'parallelMap stage: expected `source` to be an iterable or async iterable, got `42` (number)'],
      ['a non-iterable source of a named stage', () => parallelMap(url, { name: 'hash' })({} as never), 'parallelMap "hash" stage: expected `source` to be an iterable or async iterable, got an object (Object)'],
    ];

    it.each(cases)('throws a GenstreamArgumentError at call time for %s, showing what it got', (_, call, message) => {
      const started = workers.started;
      const err = thrown(call);
      expect(err).toBeInstanceOf(GenstreamArgumentError);
      expect(err).toBeInstanceOf(TypeError);
      expect((err as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      expect((err as Error).message).toBe(message);
      expect(workers.started).toBe(started);
    });
  });

  describe('abort and early exit', () => {
    it('rejects with an AbortError carrying the reason, starts no worker and reads nothing, when options.signal is already aborted', async () => {
      const reason = new Error('stopped before start');
      const started = workers.started;
      const src = counted(10);
      const err = await failureOf(parallelMap(fixture('double.mjs'), { signal: AbortSignal.abort(reason) }), src.source);
      expect(err).toBeInstanceOf(AbortError);
      expect((err as AbortError).cause).toBe(reason);
      expect(workers.started).toBe(started);
      expect(src.state.produced).toBe(0);
    });

    for (const [kind, exportName] of [
      ['awaiting a promise that never settles', 'default'],
      ['blocked in synchronous code (Atomics.wait)', 'blocks'],
    ] as const) {
      it(`rejects with an AbortError when aborted while an item runs for ever (${kind}), and terminates the workers`, async () => {
        const ac = new AbortController();
        const reason = new Error('user stop');
        const before = activePorts();
        const src = counted(4);
        const items = (async function* () {
          for await (const n of src.source) yield n === 1 ? 'hang' : n;
        })();
        const got: unknown[] = [];
        const stage = parallelMap(fixture('hangs.mjs'), { export: exportName, threads: 2, batchSize: 1, signal: ac.signal });
        const failing = failureOf(stage, items, got);
        await until(() => got.length === 1 && activePorts() > before); // item 0 answered, the hung one referenced
        ac.abort(reason);
        const err = await failing;
        expect(err).toBeInstanceOf(AbortError);
        expect((err as AbortError).cause).toBe(reason);
        expect(got).toEqual([0]);
        expect(workers.live).toBe(0);
        expect(activePorts()).toBe(before);
        expect(src.state.finallies).toBe(1);
        expect(abortListeners(ac.signal)).toBe(0);
      });
    }

    it('leaves no abort listener on options.signal after it ends or fails', async () => {
      const ac = new AbortController();
      expect(await toArray(parallelMap<number, number>(fixture('double.mjs'), { threads: 1, signal: ac.signal })([1, 2]))).toEqual([2, 4]);
      expect(abortListeners(ac.signal)).toBe(0);
      expectParseError(await failureOf(parallelMap(throwsUrl, { threads: 1, signal: ac.signal }), [0, 1, 2]));
      expect(abortListeners(ac.signal)).toBe(0);
    });

    // BUG (or at least not "at once", as the signal option promises): an abort during a source read that
    // never completes terminates the workers but the stage waits for the source before it rejects.
    it('rejects with an AbortError at once when aborted while the source is stuck in a read', async () => {
      const ac = new AbortController();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let finallies = 0;
      const source = (async function* () {
        try {
          yield 1;
          yield 2;
          await gate;
          yield 3;
        } finally {
          finallies++;
        }
      })();
      const got: unknown[] = [];
      const consumed = (async () => {
        for await (const x of parallelMap(fixture('double.mjs'), { threads: 1, batchSize: 1, signal: ac.signal })(source)) {
          got.push(x);
          if (got.length === 2) ac.abort();
        }
      })().then(...settledError);
      try {
        const err = await guard(consumed, 1500, 'AbortError while the source is stuck');
        expect(err).toBeInstanceOf(AbortError);
        expect(got).toEqual([2, 4]);
      } finally {
        release();
        await consumed;
        await until(() => finallies === 1); // the source's return() runs after its pending read
        expect(finallies).toBe(1);
        expect(workers.live).toBe(0);
      }
    });

    it('rejects with an AbortError when the stream.pipeline signal aborts while an item runs for ever', async () => {
      const ac = new AbortController();
      const got: unknown[] = [];
      const failing = pipeline(
        toReadable([1, 'hang', 3]),
        parallelMap(fixture('hangs.mjs'), { threads: 1, batchSize: 1 }),
        async (s: AsyncIterable<unknown>) => {
          for await (const x of s) {
            got.push(x);
            ac.abort();
          }
        },
        { signal: ac.signal },
      ).then(...settledError);
      const err = await guard(failing, 3000, 'pipeline rejection');
      expect(err).toBeInstanceOf(AbortError);
      expect(got).toEqual([1]);
      await until(() => workers.live === 0);
    });

    it('terminates the workers and returns the source once when its pipeline is destroyed mid-stream', async () => {
      const src = counted(); // endless
      const gone = new Error('sink gone');
      let written = 0;
      const sink = new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(_chunk, _enc, callback) {
          if (++written === 5) sink.destroy(gone);
          else callback();
        },
      });
      const err = await guard(pipeline(toReadable(src.source), parallelMap(fixture('double.mjs'), { threads: 2, batchSize: 2 }), sink).then(...settledError), 3000);
      expect(err).toBe(gone);
      // stream.pipeline does not wait for a generator stage's cleanup: the stage ends just after.
      await until(() => workers.live === 0 && src.state.finallies === 1);
      expect(src.state.completed).toBe(false);
    });

    it('returns the source once and has terminated every worker when a for-await loop breaks early', async () => {
      const src = counted(); // endless
      const got: number[] = [];
      for await (const x of parallelMap<number, number>(fixture('double.mjs'), { threads: 2, batchSize: 4 })(src.source)) {
        got.push(x);
        if (got.length === 10) break;
      }
      expect(got).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      expect(src.state.finallies).toBe(1);
      expect(workers.live).toBe(0);
    });

    it('terminates a worker that runs an item for ever when the loop breaks, so it no longer holds the process', async () => {
      const before = activePorts();
      const got: unknown[] = [];
      for await (const x of parallelMap(fixture('hangs.mjs'), { threads: 2, batchSize: 1 })([1, 'hang', 3, 4])) {
        got.push(x);
        expect(activePorts()).toBeGreaterThan(before); // the worker running 'hang' is referenced
        break;
      }
      expect(got).toEqual([1]);
      expect(workers.live).toBe(0);
      expect(activePorts()).toBe(before);
    });
  });
});

describe('WorkerCrashError', () => {
  const exitsUrl = fixture('exits.mjs');

  it('is what a worker calling process.exit() fails the stage with, naming the module, the exit code and the items it held', async () => {
    const err = await failureOf(parallelMap(exitsUrl, { threads: 1, batchSize: 2 }), [0, 1, 2, 3]);
    expect(err).toBeInstanceOf(WorkerCrashError);
    const e = err as WorkerCrashError;
    expect(e.name).toBe('WorkerCrashError');
    expect(e.code).toBe('ERR_GENSTREAM_WORKER_CRASHED');
    expect(e.module).toBe(exitsUrl.href);
    expect(e.exitCode).toBe(3);
    expect(e.cause).toBeUndefined();
    expect(e.message).toBe(`parallelMap: a worker running ${exitsUrl.href} exited with code 3 while it held items 2–3; no further work was started`);
    expect(workers.live).toBe(0);
  });

  it('names the stage, and fails at once while another worker runs an item for ever', async () => {
    const before = activePorts();
    const err = await failureOf(parallelMap(exitsUrl, { name: 'exiter', threads: 2, batchSize: 1 }), ['hang', 3]);
    expect(err).toBeInstanceOf(WorkerCrashError);
    expect((err as Error).message).toBe(`parallelMap "exiter": a worker running ${exitsUrl.href} exited with code 3 while it held items 1; no further work was started`);
    expect(workers.live).toBe(0);
    expect(activePorts()).toBe(before);
  });

  it('is what a worker running out of memory (its resourceLimits) fails the stage with; cause is ERR_WORKER_OUT_OF_MEMORY', async () => {
    const url = fixture('oom.mjs');
    const err = await failureOf(parallelMap(url, { threads: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } }), [0]);
    expect(err).toBeInstanceOf(WorkerCrashError);
    const e = err as WorkerCrashError;
    expect(e.module).toBe(url.href);
    expect(e.exitCode).toBe(1);
    expect((e.cause as { code?: unknown }).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(e.message).toBe(`parallelMap: a worker running ${url.href} ran out of memory (its resourceLimits) while it held items 0; no further work was started`);
    expect(workers.live).toBe(0);
  });

  it('is what an uncaught throw in a timer fails the stage with; cause is the worker-side error', async () => {
    const url = fixture('uncaught-in-timer.mjs');
    const err = await failureOf(parallelMap(url, { threads: 1 }), [0]);
    expect(err).toBeInstanceOf(WorkerCrashError);
    const e = err as WorkerCrashError;
    expect(e.module).toBe(url.href);
    expect(e.exitCode).toBe(1);
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe('timer threw for item 0');
    expect((e.cause as Error).stack).toContain('uncaught-in-timer.mjs');
    expect(e.message).toBe(`parallelMap: a worker running ${url.href} stopped on an uncaught Error: timer threw for item 0 while it held items 0; no further work was started`);
    expect(workers.live).toBe(0);
  });

  // BUG: the message reads "stopped on an uncaught undefined: undefined" for a thrown non-Error.
  it('shows an uncaught non-Error value (a string thrown in a timer) in its message', async () => {
    const url = fixture('uncaught-in-timer.mjs');
    const err = await failureOf(parallelMap(url, { threads: 1, export: 'throwsString' }), [0]);
    expect(err).toBeInstanceOf(WorkerCrashError);
    expect((err as WorkerCrashError).cause).toBe('timer threw a string for item 0');
    expect((err as Error).message).not.toContain('undefined: undefined');
    expect((err as Error).message).toContain('timer threw a string for item 0');
  });
});

describe('no worker is left to hold the process', () => {
  const script = fileURLToPath(fixture('fail-then-exit.ts'));
  const root = fileURLToPath(new URL('../../', import.meta.url));

  /** Runs fail-then-exit.ts with `cases`: its JSON lines, and how it exited (killed: it did not exit on its own). */
  function runScript(cases: string[]): Promise<{ lines: Record<string, unknown>[]; code: number | null; killed: boolean; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', script, ...cases], { cwd: root, timeout: 10_000 }, (error, stdout, stderr) => {
        const lines = stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ lines, code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, killed: error?.killed === true, stderr });
      });
    });
  }

  it('lets a process exit on its own after each kind of failure, early exit and abort, with a second worker busy for ever', async () => {
    const r = await runScript(['throw', 'exit', 'oom', 'timer', 'clone', 'load', 'break', 'abort']);
    expect(r.stderr).toBe('');
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      { case: 'throw', settled: 'failed', name: 'Error', got: 0, live: 0 },
      { case: 'exit', settled: 'failed', name: 'WorkerCrashError', code: 'ERR_GENSTREAM_WORKER_CRASHED', got: 0, live: 0 },
      { case: 'oom', settled: 'failed', name: 'WorkerCrashError', code: 'ERR_GENSTREAM_WORKER_CRASHED', got: 0, live: 0 },
      { case: 'timer', settled: 'failed', name: 'WorkerCrashError', code: 'ERR_GENSTREAM_WORKER_CRASHED', got: 0, live: 0 },
      { case: 'clone', settled: 'failed', name: 'WorkerCloneError', code: 'ERR_GENSTREAM_DATA_CLONE', got: 0, live: 0 },
      { case: 'load', settled: 'failed', name: 'WorkerLoadError', code: 'ERR_GENSTREAM_WORKER_LOAD', got: 0, live: 0 },
      { case: 'break', settled: 'ended', got: 1, live: 0 },
      { case: 'abort', settled: 'failed', name: 'AbortError', code: 'ABORT_ERR', got: 1, live: 0 },
    ]);
  });

  // BUG: a reply already on its way when the stage closed (the break below: item 3's result) unref'ed
  // its worker while close() waited for that worker's 'exit', so the event loop could end first: the
  // process exited with code 13 (an unsettled top-level await), about one run in five under load.
  it('closes after a break or an abort with a reply still in flight, 12 times each, and the process exits with 0', async () => {
    const cases = Array.from({ length: 12 }, () => ['break', 'abort']).flat();
    const r = await runScript(cases);
    expect(r.stderr).toBe('');
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(
      Array.from({ length: 12 }, () => [
        { case: 'break', settled: 'ended', got: 1, live: 0 },
        { case: 'abort', settled: 'failed', name: 'AbortError', code: 'ABORT_ERR', got: 1, live: 0 },
      ]).flat(),
    );
  });

  // BUG: `throw null` in a worker's timer makes the pool's 'exit' listener throw a TypeError in the
  // main thread (crashError reads `cause.name` of null): an uncaught exception, and the stage never settles.
  it('fails the stage with a WorkerCrashError when a worker dies on an uncaught null, and the process exits normally', async () => {
    const r = await runScript(['timer-null']);
    expect(r.stderr).toBe('');
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([{ case: 'timer-null', settled: 'failed', name: 'WorkerCrashError', code: 'ERR_GENSTREAM_WORKER_CRASHED', got: 0, live: 0 }]);
  });
});

describe('WorkerLoadError', () => {
  const missing = fixture('missing.mjs');

  it('is what a missing module fails the stage with, at the first item asked for, naming the module; cause is the loader error', async () => {
    const started = workers.started;
    const src = counted(); // endless: the stage must stop reading it
    const stage = parallelMap(missing, { threads: 2 });
    const results = stage(src.source);
    expect(workers.started).toBe(started); // no worker before the first item is asked for
    const err = await guard(toArray(results).then(...settledError), 3000);
    expect(err).toBeInstanceOf(WorkerLoadError);
    const e = err as WorkerLoadError;
    expect(e.name).toBe('WorkerLoadError');
    expect(e.code).toBe('ERR_GENSTREAM_WORKER_LOAD');
    expect(e.module).toBe(missing.href);
    expect(e.exportName).toBe('default');
    expect(e.message).toContain(`parallelMap: cannot load the worker module ${missing.href} (Error: Cannot find module '${fileURLToPath(missing)}'`);
    expect((e.cause as { code?: unknown }).code).toBe('ERR_MODULE_NOT_FOUND');
    expect(workers.started).toBeGreaterThan(started);
    expect(workers.live).toBe(0);
    expect(src.state.finallies).toBe(1);
    expect(src.state.completed).toBe(false);
  });

  it('names the module as a file: URL when it was given as an absolute path', async () => {
    const err = await failureOf(parallelMap(fileURLToPath(missing), { threads: 1, name: 'loader' }), [1]);
    expect(err).toBeInstanceOf(WorkerLoadError);
    expect((err as WorkerLoadError).module).toBe(missing.href);
    expect((err as Error).message).toMatch(new RegExp(`^parallelMap "loader": cannot load the worker module ${missing.href} `));
  });

  it('is what a module with a syntax error fails the stage with; cause is the SyntaxError', async () => {
    const url = fixture('syntax-error.mjs');
    const err = await failureOf(parallelMap(url, { threads: 1 }), [1]);
    expect(err).toBeInstanceOf(WorkerLoadError);
    expect((err as WorkerLoadError).module).toBe(url.href);
    expect((err as WorkerLoadError).cause).toBeInstanceOf(SyntaxError);
    expect((err as Error).message).toMatch(new RegExp(`^parallelMap: cannot load the worker module ${url.href} \\(SyntaxError: `));
  });

  it('is what a module that throws at its top level fails the stage with; cause is the thrown error', async () => {
    const url = fixture('top-level-throw.mjs');
    const err = await failureOf(parallelMap(url, { threads: 1 }), [1, 2, 3]);
    expect(err).toBeInstanceOf(WorkerLoadError);
    const cause = (err as WorkerLoadError).cause as Error;
    expect(cause.message).toBe('refused to load: no config');
    expect(cause.stack).toContain('top-level-throw.mjs');
    expect((err as Error).message).toBe(`parallelMap: cannot load the worker module ${url.href} (Error: refused to load: no config)`);
    expect(workers.live).toBe(0);
  });

  it('names the module, the export asked for and what the module exports when there is no such export', async () => {
    const url = fixture('no-function-export.mjs');
    const err = await failureOf(parallelMap(url, { threads: 1, export: 'nope' }), [1]);
    expect(err).toBeInstanceOf(WorkerLoadError);
    const e = err as WorkerLoadError;
    expect(e.exportName).toBe('nope');
    expect(e.module).toBe(url.href);
    expect(e.cause).toBeUndefined();
    expect(e.message).toBe(
      `parallelMap: ${url.href} has no function export "nope" (got \`undefined\` (undefined); it exports "default", "helper", "settings"); export the per-item function, or name it with { export }`,
    );
  });

  it('says what the export holds when it is not a function', async () => {
    const url = fixture('no-function-export.mjs');
    const byDefault = await failureOf(parallelMap(url, { threads: 1 }), [1]);
    expect(byDefault).toBeInstanceOf(WorkerLoadError);
    expect((byDefault as Error).message).toContain(`${url.href} has no function export "default" (got \`42\` (number); it exports "default", "helper", "settings")`);
    const named = await failureOf(parallelMap(url, { threads: 1, export: 'settings' }), [1]);
    expect((named as Error).message).toContain('has no function export "settings" (got an object (depth);');
    expect((named as WorkerLoadError).exportName).toBe('settings');
  });

  it('is not raised for a CommonJS module: module.exports = fn is the default export, and named exports load', async () => {
    expect(await toArray(parallelMap<number, number>(fixture('cjs-default.cjs'), { threads: 1 })([1, 2, 3]))).toEqual([2, 3, 4]);
    expect(await toArray(parallelMap<number, number>(fixture('cjs-named.cjs'), { threads: 1, export: 'triple' })([1, 2, 3]))).toEqual([3, 6, 9]);
  });

  it('is raised for a CommonJS export that is not a function, or a default that is the exports object', async () => {
    const url = fixture('cjs-named.cjs');
    const label = await failureOf(parallelMap(url, { threads: 1, export: 'label' }), [1]);
    expect(label).toBeInstanceOf(WorkerLoadError);
    // Newer Node versions also list a "module.exports" export of a CommonJS module.
    expect((label as Error).message).toMatch(/has no function export "label" \(got `not a function` \(string\); it exports "default", "label", ("module\.exports", )?"triple"\)/);
    const byDefault = await failureOf(parallelMap(url, { threads: 1 }), [1]);
    expect((byDefault as Error).message).toContain('has no function export "default" (got an object (triple, label);');
  });
});

describe('WorkerCloneError', () => {
  const doubleUrl = fixture('double.mjs');
  const returnsUrl = fixture('returns-function.mjs');
  /** 0..15 with a function at index 9: in the middle of the third batch of 4. */
  const withFunctionAt9 = (): unknown[] => Array.from({ length: 16 }, (_, i) => (i === 9 ? () => i : i));

  for (const [kind, source] of [
    ['sync', withFunctionAt9],
    ['async', async function* () { yield* withFunctionAt9(); }],
  ] as const) {
    it(`names side 'item' and the 0-based stream index of an item that cannot be sent (a function in the middle of the 3rd batch, ${kind} source)`, async () => {
      const got: unknown[] = [];
      const err = await failureOf(parallelMap(doubleUrl, { threads: 2, batchSize: 4 }), source(), got);
      expect(err).toBeInstanceOf(WorkerCloneError);
      const e = err as WorkerCloneError;
      expect(e.name).toBe('WorkerCloneError');
      expect(e.code).toBe('ERR_GENSTREAM_DATA_CLONE');
      expect(e.side).toBe('item');
      expect(e.index).toBe(9);
      expect((e.cause as Error).name).toBe('DataCloneError');
      expect(e.message).toBe('parallelMap: item 9 cannot be sent to a worker (structured clone): () => i could not be cloned; send plain data');
      // What the code does: batches [0..3] and [4..7] were sent, but the error is raised as the third
      // batch is sent, before their results come back: none of them is delivered.
      expect(got).toEqual([]);
      expect(workers.live).toBe(0);
    });
  }

  it("delivers the batches answered before the failing one is sent (concurrency 1), not the one answered with it", async () => {
    const got: unknown[] = [];
    const err = await failureOf(parallelMap(doubleUrl, { threads: 1, concurrency: 1, batchSize: 4 }), withFunctionAt9(), got);
    expect((err as WorkerCloneError).index).toBe(9);
    // [0..3] was taken before [4..7] came back; [4..7] came back and then sending [8..11] failed.
    expect(got).toEqual([0, 2, 4, 6]);
  });

  it("names side 'item' and index 0 for a symbol as the first item", async () => {
    const err = await failureOf(parallelMap(doubleUrl, { threads: 1 }), [Symbol('not data'), 1]);
    expect(err).toBeInstanceOf(WorkerCloneError);
    expect((err as WorkerCloneError).side).toBe('item');
    expect((err as WorkerCloneError).index).toBe(0);
    expect((err as Error).message).toBe('parallelMap: item 0 cannot be sent to a worker (structured clone): Symbol(not data) could not be cloned; send plain data');
  });

  for (const [what, exportName, shown] of [
    ['a function', 'default', '() => n'],
    ['a symbol', 'returnsSymbol', 'Symbol(result)'],
  ] as const) {
    it(`names side 'result' and the item's index when its result is ${what}; earlier batches are delivered, the rest of its batch is not`, async () => {
      const got: unknown[] = [];
      const err = await failureOf(parallelMap(returnsUrl, { threads: 1, batchSize: 4, export: exportName }), Array.from({ length: 12 }, (_, i) => i), got);
      expect(err).toBeInstanceOf(WorkerCloneError);
      const e = err as WorkerCloneError;
      expect(e.side).toBe('result');
      expect(e.index).toBe(5);
      expect(e.message).toBe(`parallelMap: the result for item 5 cannot be sent back from the worker (structured clone): ${shown} could not be cloned; return plain data`);
      // What the code does: batch [0..3] is delivered; item 4's result came back with the error and is dropped.
      expect(got).toEqual([0, 1, 2, 3]);
      expect(workers.live).toBe(0);
    });
  }

  // BUG (documentation vs code): WorkerCloneError says "`cause` is the `DataCloneError`", but on the
  // result side only its message crosses the thread boundary and `cause` is undefined.
  it("has the DataCloneError as cause on side 'result' too, as documented", async () => {
    const err = await failureOf(parallelMap(returnsUrl, { threads: 1 }), [5]);
    expect((err as WorkerCloneError).side).toBe('result');
    expect((err as WorkerCloneError).cause).toBeInstanceOf(Error);
    expect(((err as WorkerCloneError).cause as Error).name).toBe('DataCloneError');
  });
});
