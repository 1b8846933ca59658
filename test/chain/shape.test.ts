import { Buffer } from 'node:buffer';
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ReadableStream, WritableStream } from 'node:stream/web';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AbortError, chain, failedStage, forEach, GenstreamArgumentError, map, reduce, run, take, toArray as toArraySink, toReadable } from '../../lib/index.js';
import { closeEvent, collect, counted, deferred, settledError, TestError, tick, toArray, watchUnhandled } from '../helpers.js';
import { STAGE_KINDS, STAGE_LABELS, stageOf } from './stages.js';

watchUnhandled();

const chainOf = chain as (...args: unknown[]) => Readable & Partial<Writable>;
const double = (n: number): number => n * 2;

/** A generator stage passing its items through, counting its `finally` runs in `state.finallies`. */
function passCounting(): { state: { finallies: number }; stage: (src: AsyncIterable<number>) => AsyncGenerator<number> } {
  const state = { finallies: 0 };
  return {
    state,
    stage: async function* stage(src: AsyncIterable<number>) {
      try {
        yield* src;
      } finally {
        state.finallies++;
      }
    },
  };
}

/** Each kind of source chain() accepts first, over 1, 2, 3. */
const SOURCES: { name: string; make: () => unknown }[] = [
  { name: 'an array', make: () => [1, 2, 3] },
  { name: 'a Set', make: () => new Set([1, 2, 3]) },
  {
    name: 'an async generator object',
    make: () =>
      (async function* () {
        yield* [1, 2, 3];
      })(),
  },
  { name: 'a generator function without parameters', make: () => async function* numbers() { yield* [1, 2, 3]; } },
  { name: 'a function returning an array', make: () => () => [1, 2, 3] },
  { name: 'a Node Readable', make: () => Readable.from([1, 2, 3]) },
  { name: 'a genstream Readable', make: () => toReadable([1, 2, 3]) },
  {
    name: 'a Web ReadableStream',
    make: () =>
      new ReadableStream<number>({
        start(c) {
          for (const n of [1, 2, 3]) c.enqueue(n);
          c.close();
        },
      }),
  },
];

/** Each kind of sink chain() accepts last; `got` is what it received once the run settled. */
function sinks(): { name: string; sink: unknown; got: unknown[] }[] {
  const viaWritable: unknown[] = [];
  const viaWeb: unknown[] = [];
  const viaFunction: unknown[] = [];
  return [
    { name: 'a Node Writable', sink: collect(viaWritable), got: viaWritable },
    { name: 'a Web WritableStream', sink: new WritableStream({ write: (x) => void viaWeb.push(x) }), got: viaWeb },
    {
      name: 'an async function',
      sink: async (src: AsyncIterable<unknown>) => {
        for await (const x of src) viaFunction.push(x);
      },
      got: viaFunction,
    },
  ];
}

describe('chain() shapes', () => {
  describe('a source first: a Readable', () => {
    it.each(SOURCES)('reads $name through every kind of stage', async ({ make }) => {
      for (const kind of STAGE_KINDS) {
        const c = chainOf(make(), stageOf(kind, double));
        expect(c).toBeInstanceOf(Readable);
        expect(c).not.toBeInstanceOf(Writable);
        expect(await toArray(c)).toEqual([2, 4, 6]);
      }
    });

    it('takes a string or a Buffer as one chunk, as Readable.from does', async () => {
      expect(await toArray(chainOf('abc', map((s: string) => s.toUpperCase())))).toEqual(['ABC']);
      const buf = Buffer.from('xyz');
      expect(await toArray(chainOf(buf, map((b: Buffer) => b.length)))).toEqual([3]);
    });

    it('is a source on its own: chain(source) reads it', async () => {
      expect(await toArray(chainOf([1, 2]))).toEqual([1, 2]);
    });

    it('is a byte stream when the last stage is one, and decodes as it does', async () => {
      const gz = gunzipSync(await streamBytes(chainOf([Buffer.from('hello ')], createGzip())));
      expect(gz.toString()).toBe('hello ');
      const c = chainOf([Buffer.from('a'), Buffer.from('b')], new PassThrough());
      expect(c.readableObjectMode).toBe(false);
      const decoding = new PassThrough();
      decoding.setEncoding('utf8');
      const d = chainOf([Buffer.from('é')], decoding);
      expect(d.readableEncoding).toBe('utf8');
      expect(await toArray(d)).toEqual(['é']);
    });

    it('counts positions from the source: a stage error names its argument position, as the same object', async () => {
      const boom = new TestError('boom');
      const c = chainOf([1, 2, 3], map(double), map((n: number) => {
        if (n === 4) throw boom;
        return n;
      }));
      const got: unknown[] = [];
      const err = await (async () => {
        for await (const x of c) got.push(x);
      })().then(...settledError);
      expect(err).toBe(boom);
      expect(got).toEqual([2]);
      expect(failedStage(err)).toMatchObject({ index: 2, label: 'map' });
    });

    it('passes on a source error as the same object', async () => {
      const boom = new TestError('source');
      const c = chainOf(
        (async function* () {
          yield 1;
          throw boom;
        })(),
        map(double),
      );
      expect(await toArray(c).then(...settledError)).toBe(boom);
    });

    it('stops an endless source after a take(): its finally runs once, the Readable ends', async () => {
      const { state, source } = counted();
      expect(await toArray(chainOf(source, map(double), take(3)))).toEqual([0, 2, 4]);
      expect(state.finallies).toBe(1);
    });

    it('destroyed before it is read: a file source is closed, a generator source returned', async () => {
      const file = join(tmpdir(), `genstream-shape-${process.pid}.txt`);
      writeFileSync(file, 'a\nb\n');
      const fs = createReadStream(file);
      const c = chainOf(fs, map((b: Buffer) => b.length));
      c.destroy();
      await closeEvent(fs);
      expect(fs.destroyed).toBe(true);

      const { state, source } = counted();
      const d = chainOf(source, map(double));
      const got: unknown[] = [];
      for await (const x of d) {
        got.push(x);
        if (got.length === 2) break;
      }
      expect(state.finallies).toBe(1);
    });

    it('destroys the stream instances given as stages with it', async () => {
      const stage = new PassThrough({ objectMode: true });
      const c = chainOf([1], stage);
      c.destroy();
      await closeEvent(c);
      expect(stage.destroyed).toBe(true);
    });

    it('fails with a stage instance error raised before it is read, attributed, instead of crashing', async () => {
      const stage = new PassThrough({ objectMode: true });
      const c = chainOf([1], stage);
      const boom = new TestError('early');
      const closed = closeEvent(c);
      let seen: unknown;
      c.on('error', (err) => (seen = err));
      stage.destroy(boom);
      await closed;
      expect(seen).toBe(boom);
      expect(failedStage(boom)?.index).toBe(1);
    });

    it('fails with a source stream error raised before it is read, instead of crashing', async () => {
      const source = new Readable({ objectMode: true, read() {} });
      const c = chainOf(source, map(double));
      let seen: unknown;
      c.on('error', (err) => (seen = err));
      const boom = new TestError('source failed early');
      source.destroy(boom);
      await closeEvent(source);
      await tick();
      expect(seen).toBe(boom);
      expect(c.destroyed).toBe(true);
      expect(failedStage(boom)).toBeUndefined();
    });
  });

  describe('a sink last: a Writable', () => {
    it('writes into each kind of sink through every kind of stage, and finishes after the sink', async () => {
      for (const kind of STAGE_KINDS) {
        for (const { name, sink, got } of sinks()) {
          const c = chainOf(stageOf(kind, double), sink);
          expect(c, `${kind} → ${name}`).toBeInstanceOf(Writable);
          expect(c, `${kind} → ${name}`).not.toBeInstanceOf(Readable);
          await pipeline(toReadable([1, 2, 3]), c as unknown as Writable);
          expect(got, `${kind} → ${name}`).toEqual([2, 4, 6]);
        }
      }
    });

    it("takes genstream's terminal helpers as sinks: forEach(fn), reduce(fn, seed), toArray", async () => {
      const seen: number[] = [];
      const c = chainOf(map(double), forEach((n: number) => void seen.push(n)));
      expect(c).toBeInstanceOf(Writable);
      await pipeline(toReadable([1, 2]), c as unknown as Writable);
      expect(seen).toEqual([2, 4]);
      for (const sink of [reduce((a: number, n: number) => a + n, 0), reduce((a: number, n: number) => a + n), toArraySink]) {
        const w = chainOf(map(double), sink);
        expect(w).toBeInstanceOf(Writable);
        await pipeline(toReadable([1, 2]), w as unknown as Writable);
      }
    });

    it("emits 'finish' only once an async sink has returned", async () => {
      const events: string[] = [];
      const gate = deferred();
      const c = chainOf(map(double), async (src: AsyncIterable<number>) => {
        for await (const n of src) events.push(`item ${n}`);
        await gate.promise;
        events.push('sink done');
      }) as unknown as Writable;
      c.on('finish', () => events.push('finish'));
      c.end(1);
      await tick();
      expect(events).toEqual(['item 2']);
      gate.resolve();
      await finished(c);
      expect(events).toEqual(['item 2', 'sink done', 'finish']);
    });

    it('is a sink on its own: chain(writable) and chain(async function)', async () => {
      const out: unknown[] = [];
      await pipeline(toReadable([1, 2]), chainOf(collect(out)) as unknown as Writable);
      expect(out).toEqual([1, 2]);
      let sum = 0;
      await pipeline(toReadable([1, 2]), chainOf(async (src: AsyncIterable<number>) => {
        for await (const n of src) sum += n;
      }) as unknown as Writable);
      expect(sum).toBe(3);
    });

    it('is a byte Writable when the first stage is a byte stream', async () => {
      const chunks: Buffer[] = [];
      const c = chainOf(createGzip(), createGunzip(), async (src: AsyncIterable<Buffer>) => {
        for await (const b of src) chunks.push(b);
      }) as unknown as Writable;
      expect(c.writableObjectMode).toBe(false);
      await pipeline(Readable.from([Buffer.from('gz '), Buffer.from('round trip')]), c);
      expect(Buffer.concat(chunks).toString()).toBe('gz round trip');
    });

    it('fails with the sink error as the same object, and the stages are returned', async () => {
      const boom = new TestError('sink');
      const counting = passCounting();
      const c = chainOf(
        counting.stage,
        new Writable({ objectMode: true, write: (_c, _e, cb) => cb(boom) }),
      ) as unknown as Writable;
      const err = await pipeline(toReadable([1, 2, 3]), c).then(...settledError);
      expect(err).toBe(boom);
      expect(counting.state.finallies).toBe(1);
    });

    it('fails with a sink stream error raised before its first write, instead of crashing', async () => {
      // A file sink whose open fails: the error comes before anything is written.
      const sink = createWriteStream(join(tmpdir(), `genstream-no-such-dir-${process.pid}`, 'out.txt'));
      const c = chainOf(map(String), sink) as unknown as Writable;
      const closed = closeEvent(c);
      let seen: unknown;
      c.on('error', (err) => (seen = err));
      await closed;
      expect((seen as NodeJS.ErrnoException).code).toBe('ENOENT');
    });

    it('destroyed before it ran: its sink stream and stage instances are destroyed too', async () => {
      const sink = new Writable({ objectMode: true, write: (_c, _e, cb) => cb() });
      const stage = new PassThrough({ objectMode: true });
      const c = chainOf(stage, sink) as unknown as Writable;
      c.destroy();
      await closeEvent(c);
      expect(sink.destroyed).toBe(true);
      expect(stage.destroyed).toBe(true);
    });

    it('destroyed mid-run: the sink stream is destroyed and the stage finally runs once', async () => {
      const counting = passCounting();
      const sink = new Writable({ objectMode: true, highWaterMark: 1, write: () => {} });
      const c = chainOf(
        counting.stage,
        sink,
      ) as unknown as Writable;
      c.write(1);
      c.write(2);
      await tick();
      const boom = new TestError('stop');
      c.on('error', () => {});
      c.destroy(boom);
      await closeEvent(sink);
      await tick();
      expect(sink.destroyed).toBe(true);
      expect(counting.state.finallies).toBe(1);
    });
  });

  describe('a source and a sink: a stream that only runs', () => {
    it('runs at once, each source kind into each sink kind, and closes when done', async () => {
      for (const { name: sourceName, make } of SOURCES) {
        for (const { name, sink, got } of sinks()) {
          const c = chainOf(make(), map(double), sink);
          expect(c, `${sourceName} → ${name}`).toBeInstanceOf(Duplex);
          expect(c.readable).toBe(false);
          expect(c.writable).toBe(false);
          await finished(c);
          expect(got, `${sourceName} → ${name}`).toEqual([2, 4, 6]);
        }
      }
    });

    it('is destroyed with the error of the run, as the same object', async () => {
      const boom = new TestError('mid');
      const c = chainOf([1, 2, 3], map((n: number) => {
        if (n === 2) throw boom;
        return n;
      }), collect([]));
      const err = await finished(c).then(...settledError);
      expect(err).toBe(boom);
      expect(failedStage(err)?.index).toBe(1);
    });

    it('destroyed mid-run: the source finally runs, the sink is destroyed, finished() rejects with an AbortError', async () => {
      const { state, source } = counted();
      const sink = new Writable({ objectMode: true, highWaterMark: 1, write: () => {} });
      const c = chainOf(source, map(double), sink);
      await tick();
      c.destroy();
      const err = await finished(c).then(...settledError);
      expect(err).toBeInstanceOf(AbortError);
      await tick();
      expect(sink.destroyed).toBe(true);
      expect(state.finallies).toBe(1);
    });

    it('fails with a source stream error raised before the run reads it, instead of crashing', async () => {
      for (const when of ['before the run starts', 'before the sink reads'] as const) {
        const source = new Readable({ objectMode: true, read() {} });
        const gate = deferred();
        const c = chainOf(source, map(double), async (src: AsyncIterable<number>) => {
          await gate.promise;
          for await (const n of src) void n;
        });
        const done = finished(c).then(...settledError);
        const boom = new TestError(when);
        if (when === 'before the run starts') source.emit('error', boom);
        else {
          await tick();
          source.destroy(boom);
          await tick();
          gate.resolve();
        }
        expect(await done, when).toBe(boom);
        gate.resolve();
        await tick();
        expect(source.destroyed, when).toBe(true);
      }
    });

    it("fails with a stage stream's error only after the run's cleanup, as run() does, and the sink gets the error", async () => {
      const counting = passCounting();
      const stage = new PassThrough({ objectMode: true, highWaterMark: 1 });
      const sink = new Writable({ objectMode: true, highWaterMark: 1, write: (_c, _e, cb) => setImmediate(cb) });
      const boom = new TestError('stage');
      let seen = 0;
      const c = chainOf(
        counted().source,
        counting.stage,
        stage,
        map((n: number) => {
          if (++seen === 3) stage.destroy(boom);
          return n;
        }),
        sink,
      );
      const err = await finished(c).then(...settledError);
      expect(err).toBe(boom);
      expect(counting.state.finallies).toBe(1);
      // Failed by the run with its error, not destroyed as if the run had been stopped from outside.
      expect(sink.errored).toBe(boom);
    });

    it('chain(source, sink) with no stage in between copies the source', async () => {
      const out: unknown[] = [];
      await finished(chainOf([1, 2], collect(out)));
      expect(out).toEqual([1, 2]);
    });
  });

  describe('options', () => {
    it('takes a plain object first: object mode, high-water marks per side, name', async () => {
      const c = chainOf({ writableObjectMode: false, readableHighWaterMark: 3, writableHighWaterMark: 100 }, async function* id(src: AsyncIterable<Buffer>) {
        yield* src;
      }) as unknown as Duplex;
      expect(c.writableObjectMode).toBe(false);
      expect(c.readableObjectMode).toBe(true);
      expect(c.readableHighWaterMark).toBe(3);
      expect(c.writableHighWaterMark).toBe(100);
      const named = chainOf({ name: 'scrub' }, map(double), async function* g(src: AsyncIterable<number>) {
        for await (const n of src) yield n === 4 ? null : n;
      }) as unknown as Duplex;
      const err = await pipeline(toReadable([1, 2]), named, collect([])).then(...settledError);
      expect((err as Error).message).toMatch(/^scrub: stage 1/);
    });

    it('the options override the ends: chain({ objectMode: true }, createGzip())', () => {
      const c = chainOf({ objectMode: true }, new PassThrough()) as unknown as Duplex;
      expect(c.readableObjectMode).toBe(true);
      expect(c.writableObjectMode).toBe(true);
      const d = chainOf(new PassThrough(), map((b: Buffer) => b.length)) as unknown as Duplex;
      expect(d.writableObjectMode).toBe(false);
      expect(d.readableObjectMode).toBe(true);
    });

    it("a signal aborts each shape with an AbortError and runs the source's finally", async () => {
      for (const shape of ['duplex', 'readable', 'writable', 'run'] as const) {
        const ac = new AbortController();
        const { state, source } = counted();
        const args: unknown[] =
          shape === 'duplex' ? [map(double)] : shape === 'readable' ? [source, map(double)] : shape === 'writable' ? [map(double), collect([])] : [source, map(double), new Writable({ objectMode: true, write: () => {} })];
        const c = chainOf({ signal: ac.signal }, ...args);
        const done = finished(c).then(...settledError);
        if (shape === 'readable') c.read();
        await tick();
        ac.abort();
        expect(await done, shape).toBeInstanceOf(Error);
        expect((await done as Error).name, shape).toBe('AbortError');
        if (shape === 'readable' || shape === 'run') {
          await tick();
          expect(state.finallies, shape).toBe(1);
        }
      }
    });

    it('refuses bad options and misplaced options, naming them', () => {
      expect(() => chainOf({ highWaterMark: -1 }, map(double))).toThrow(/^chain: expected `options.highWaterMark`/);
      expect(() => chainOf({ signal: 'x' }, map(double))).toThrow(/^chain: expected `options.signal` to be an AbortSignal/);
      expect(() => chainOf(map(double), { objectMode: false })).toThrow(/^chain: the options go first, chain\(options, \.\.\.stages\)/);
      expect(() => chainOf(map(double), { objectMode: false })).toThrow(GenstreamArgumentError);
    });
  });

  describe('misplaced ends', () => {
    it('a source after the first position, a sink before the last: a GenstreamArgumentError naming the position', () => {
      expect(() => chainOf(map(double), [1, 2], map(double))).toThrow(/^chain: stage 1 is a source/);
      expect(() => chainOf([1], Readable.from([2]))).toThrow(/^chain: stage 1 is a source/);
      expect(() => chainOf([1], new ReadableStream(), map(double))).toThrow(/^chain: stage 1 is a source/);
      expect(() => chainOf(new Writable(), map(double))).toThrow(/^chain: stage 0 is a stream without a readable side/);
      expect(() => chainOf(new WritableStream(), map(double))).toThrow(/^chain: stage 0 is a stream without a readable side/);
      expect(() => chainOf([1], collect([]), map(double))).toThrow(/^chain: stage 1 is a stream without a readable side/);
    });
  });

  it('a Duplex first is a stage, not a source; a Duplex last is a stage, not a sink', async () => {
    const c = chainOf(new PassThrough({ objectMode: true }), map(double), new PassThrough({ objectMode: true })) as unknown as Duplex;
    expect(c.writable).toBe(true);
    expect(c.readable).toBe(true);
    expect(await toArray(toReadable([1, 2]).pipe(c))).toEqual([2, 4]);
  });

  it('labels stage errors of a Readable chain with each kind of stage', async () => {
    for (const kind of STAGE_KINDS) {
      const boom = new TestError(kind);
      const c = chainOf([1, 2], stageOf(kind, (n) => {
        if (n === 2) throw boom;
        return n;
      }));
      const err = await toArray(c).then(...settledError);
      expect(err, kind).toBe(boom);
      expect(failedStage(err), kind).toMatchObject({ index: 1, label: STAGE_LABELS[kind] });
    }
  });

  it('run() writes into a Web WritableStream with its backpressure', async () => {
    const got: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const ws = new WritableStream<number>(
      {
        async write(n) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await tick();
          got.push(n);
          inFlight--;
        },
      },
      { highWaterMark: 2 },
    );
    let pulled = 0;
    await run(
      (function* () {
        for (let i = 0; i < 20; i++) {
          pulled++;
          yield i;
        }
      })(),
      map(double),
      ws,
    );
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(pulled).toBe(20);
    expect(maxInFlight).toBe(1);
  });

  it('run() aborts a Web WritableStream with a source error, as the same object', async () => {
    const boom = new TestError('src');
    let abortedWith: unknown;
    const ws = new WritableStream({ abort: (reason) => void (abortedWith = reason) });
    const err = await run(
      (async function* () {
        yield 1;
        throw boom;
      })(),
      ws,
    ).then(...settledError);
    expect(err).toBe(boom);
    expect(abortedWith).toBe(boom);
  });
});

async function streamBytes(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of r) parts.push(b as Buffer);
  return Buffer.concat(parts);
}
