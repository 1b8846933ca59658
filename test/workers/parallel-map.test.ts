/**
 * parallelMap against real worker threads: results and their order, the composers, batching, the
 * bounds on what is read and in flight, Buffers and transfer, lazy start, and shutdown on every ending.
 * Errors, crashes and bad input are in errors.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batch, chain, fromGen, pipe, run, toReadable, toWritable } from '../../lib/index.js';
import { parallelMap } from '../../lib/workers/index.js';
import { counted, deferred, Flow, tick, toArray, until, watchUnhandled } from '../helpers.js';
import { fixture, trackWorkers } from './helpers.js';

watchUnhandled();
const workers = trackWorkers();
const double = fixture('double.mjs');
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

interface Done {
  id: number;
  threadId: number;
  doneAt: number;
}

describe('parallelMap', () => {
  it('maps every item through the module default export, in input order', async () => {
    const input = range(1000);
    expect(await toArray(parallelMap<number, number>(double, { threads: 2 })(input))).toEqual(input.map((n) => n * 2));
    expect(workers.live).toBe(0);
  });

  it('calls a named export, and awaits an async one before the next item of its batch', async () => {
    const input = range(50);
    expect(await toArray(parallelMap<number, number>(double, { export: 'doubleLater', batchSize: 8 })(input))).toEqual(input.map((n) => n * 2));
    const ids = await toArray(parallelMap<number, number>(double, { export: 'threadId', threads: 2, batchSize: 1 })(range(40)));
    expect(new Set(ids).size).toBeGreaterThanOrEqual(1);
    expect(ids.every((id) => id > 0)).toBe(true); // ran off the main thread (threadId 0)
  });

  it('takes the module as a URL, a file: URL string, an absolute path or a data: URL', async () => {
    for (const module of [double, double.href, fileURLToPath(double), 'data:text/javascript,export default (n) => n * 2']) {
      expect(await toArray(parallelMap<number, number>(module)([1, 2, 3]))).toEqual([2, 4, 6]);
    }
  });

  describe('as a stage of every composer', () => {
    const input = range(300);
    const expected = input.map((n) => n * 2);

    it('stream.pipeline, with the stage as a function', async () => {
      const out: number[] = [];
      await pipeline(Readable.from(input), parallelMap<number, number>(double), toWritable<number>(async (src) => {
        for await (const x of src) out.push(x);
      }));
      expect(out).toEqual(expected);
    });

    it('chain() inside stream.pipeline, followed by batch()', async () => {
      const out: number[][] = [];
      await pipeline(toReadable(input), chain(parallelMap<number, number>(double), batch(100)), toWritable<number[]>(async (src) => {
        for await (const b of src) out.push(b);
      }));
      expect(out.map((b) => b.length)).toEqual([100, 100, 100]);
      expect(out.flat()).toEqual(expected);
    });

    it('pipe(), run() and fromGen()', async () => {
      expect(await toArray(pipe(input, parallelMap<number, number>(double)))).toEqual(expected);
      const seen: number[] = [];
      await run(input, parallelMap<number, number>(double), async (src: AsyncIterable<number>) => {
        for await (const x of src) seen.push(x);
      });
      expect(seen).toEqual(expected);
      const out: number[] = [];
      await pipeline(Readable.from(input), fromGen(parallelMap<number, number>(double)), toWritable<number>(async (src) => {
        for await (const x of src) out.push(x);
      }));
      expect(out).toEqual(expected);
    });
  });

  describe('order', () => {
    const sleepy = fixture('sleepy.mjs');
    // The first item blocks its worker for 300 ms; the others take 5 ms each.
    const items = [{ id: 0, ms: 300 }, ...range(12).map((i) => ({ id: i + 1, ms: 5 }))];

    // Each worker holds up to concurrency / threads = 2 batches (one running, the next waiting, so it
    // never idles for a round trip): one fast item may wait behind the slow one, no more.
    it('ordered: results in input order, and a slow item does not stall the other worker', async () => {
      const out = await toArray(parallelMap<object, Done>(sleepy, { threads: 2, batchSize: 1 })(items));
      expect(out.map((d) => d.id)).toEqual(items.map((i) => i.id));
      // The fast items were done while the slow one ran: they waited in the reorder buffer.
      const slow = out[0]!;
      const doneMeanwhile = out.slice(1).filter((d) => d.doneAt < slow.doneAt);
      expect(doneMeanwhile.length).toBeGreaterThanOrEqual(items.length - 2);
      expect(doneMeanwhile.every((d) => d.threadId !== slow.threadId)).toBe(true);
    });

    it('ordered: false yields results as their batches finish', async () => {
      const out = await toArray(parallelMap<object, Done>(sleepy, { threads: 2, batchSize: 1, ordered: false })(items));
      expect(out.map((d) => d.id).sort((a, b) => a - b)).toEqual(items.map((i) => i.id));
      expect(out.findIndex((d) => d.id === 0)).toBeGreaterThanOrEqual(items.length - 2); // the slow one came last, or next to last
    });
  });

  describe('batching', () => {
    it('sends a partial batch when the source goes quiet, so results do not wait for a full batch', async () => {
      const gate = deferred();
      let produced = 0;
      async function* slowSource() {
        produced++;
        yield 1;
        produced++;
        yield 2;
        await gate.promise; // the source goes quiet with 2 items read; the batch size is 64
        produced++;
        yield 3;
      }
      const it = parallelMap<number, number>(double)(slowSource());
      expect(await it.next()).toEqual({ value: 2, done: false });
      expect(await it.next()).toEqual({ value: 4, done: false });
      expect(produced).toBe(2);
      gate.resolve();
      expect(await it.next()).toEqual({ value: 6, done: false });
      expect(await it.next()).toEqual({ value: undefined, done: true });
    });

    it('works with batchSize 1 and with a batch larger than the whole input', async () => {
      const input = range(20);
      for (const batchSize of [1, 1000]) {
        expect(await toArray(parallelMap<number, number>(double, { batchSize })(input))).toEqual(input.map((n) => n * 2));
      }
    });

    it('ends at once on an empty source, starting no worker', async () => {
      const before = workers.started;
      expect(await toArray(parallelMap(double)([]))).toEqual([]);
      expect(workers.started).toBe(before);
    });
  });

  describe('backpressure', () => {
    it('a slow consumer stops the reading: read and not taken stays within (maxBuffered + 1) × batchSize', async () => {
      const flow = new Flow();
      const batchSize = 10;
      const maxBuffered = 4;
      const stage = parallelMap<number, number>(double, { batchSize, concurrency: 2, maxBuffered, threads: 2 });
      await run(flow.source(2000)(), stage, flow.slowSink(300));
      expect(flow.consumed).toBe(300);
      // peak counts the item being produced; + 1 for the read in progress when the limit was reached
      expect(flow.peak).toBeLessThanOrEqual((maxBuffered + 1) * batchSize + 1);
      expect(flow.produced).toBeLessThanOrEqual(300 + (maxBuffered + 1) * batchSize + 1);
      expect(flow.finallies).toBe(1);
      expect(workers.live).toBe(0);
    });

    it('reading stops while the consumer does not ask, and resumes when it does', async () => {
      const { state, source } = counted();
      const it = parallelMap<number, number>(double, { batchSize: 5, concurrency: 1, maxBuffered: 2 })(source);
      expect((await it.next()).value).toBe(0);
      await until(() => state.produced >= 5);
      const settled = state.produced;
      for (let i = 0; i < 20; i++) await tick();
      expect(state.produced).toBe(settled); // at the limit: nothing more read
      expect(settled).toBeLessThanOrEqual((2 + 1) * 5 + 1);
      for (let i = 1; i < 30; i++) expect((await it.next()).value).toBe(2 * i);
      expect(state.produced).toBeGreaterThan(settled);
      await it.return();
      expect(state.finallies).toBe(1);
    });

    it('runs at most `threads` items at once, across all workers', async () => {
      const shared = new SharedArrayBuffer(8);
      const counters = new Int32Array(shared);
      const items = range(24).map((id) => ({ id, ms: 10, shared }));
      const out = await toArray(parallelMap<object, number>(fixture('gauge.mjs'), { threads: 2, batchSize: 2 })(items));
      expect(out).toEqual(range(24));
      expect(Atomics.load(counters, 0)).toBe(0);
      expect(Atomics.load(counters, 1)).toBeLessThanOrEqual(2);
      expect(Atomics.load(counters, 1)).toBeGreaterThanOrEqual(1);
    });
  });

  describe('Buffers and transfer', () => {
    const buffers = fixture('buffers.mjs');

    it('a Buffer item arrives in the worker as a Buffer, and a Buffer result comes back as one', async () => {
      const out = await toArray(parallelMap<Buffer, { isBuffer: boolean; byteLength: number; first: number }>(buffers, { export: 'length' })([Buffer.from('abc'), Buffer.alloc(10, 9)]));
      expect(out).toEqual([
        { isBuffer: true, byteLength: 3, first: 97 },
        { isBuffer: true, byteLength: 10, first: 9 },
      ]);
      const [digest] = await toArray(parallelMap<string, Buffer>('data:text/javascript,export default (s) => Buffer.from(s.toUpperCase())')(['hex']));
      expect(Buffer.isBuffer(digest)).toBe(true);
      expect(digest!.toString()).toBe('HEX');
    });

    it('copies items by default, and moves whole-buffer items with transfer: { items: true }', async () => {
      const copied = Buffer.alloc(4096, 1);
      await toArray(parallelMap(buffers, { export: 'length' })([copied]));
      expect(copied.byteLength).toBe(4096);
      const moved = Buffer.alloc(4096, 1);
      const small = Buffer.from('pooled'); // a view into Node's shared pool: copied, never moved
      const out = await toArray(parallelMap(buffers, { export: 'length', transfer: { items: true } })([moved, small]));
      expect(out).toEqual([
        { isBuffer: true, byteLength: 4096, first: 1 },
        { isBuffer: true, byteLength: 6, first: 112 },
      ]);
      expect(moved.byteLength).toBe(0);
      expect(small.toString()).toBe('pooled');
    });

    it('moves results with transfer: { results: true } and copies them without', async () => {
      const opts = { threads: 1, batchSize: 1 };
      const [a, copiedCheck] = await toArray(parallelMap<unknown, unknown>(buffers, opts)([16, 'was-moved']));
      expect(a).toEqual(new Uint8Array(16).fill(7));
      expect(copiedCheck).toBe(false);
      const [b, movedCheck] = await toArray(parallelMap<unknown, unknown>(buffers, { ...opts, transfer: { results: true } })([16, 'was-moved']));
      expect(b).toEqual(new Uint8Array(16).fill(7));
      expect(movedCheck).toBe(true);
    });
  });

  describe('workers: started lazily, never left behind', () => {
    it('starts no worker until the first item is asked for', async () => {
      const before = workers.started;
      const it = parallelMap<number, number>(double)(range(10));
      await tick();
      expect(workers.started).toBe(before);
      expect((await it.next()).value).toBe(0);
      expect(workers.started).toBe(before + 1); // a short job needs one worker
      await it.return();
      expect(workers.live).toBe(0);
    });

    it('uses more workers, up to `threads`, when there is more work than one batch', async () => {
      const before = workers.started;
      const ids = await toArray(parallelMap<number, number>(double, { export: 'threadId', threads: 3, batchSize: 10 })(range(600)));
      expect(workers.started - before).toBeGreaterThanOrEqual(2);
      expect(workers.started - before).toBeLessThanOrEqual(3);
      expect(new Set(ids).size).toBe(workers.started - before);
    });

    it('an early break terminates the workers and closes the source once, reading no more', async () => {
      const { state, source } = counted();
      const seen: number[] = [];
      for await (const x of parallelMap<number, number>(double, { batchSize: 4 })(source)) {
        seen.push(x);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([0, 2, 4]);
      expect(state.finallies).toBe(1);
      expect(workers.live).toBe(0);
      const read = state.produced;
      await tick();
      expect(state.produced).toBe(read);
    });

    it('destroying the pipeline mid-stream terminates the workers, also while one item runs long', async () => {
      const sleepy = fixture('sleepy.mjs');
      const items = [{ id: 0, ms: 5 }, { id: 1, ms: 60_000 }];
      const stream = chain(parallelMap<object, Done>(sleepy, { batchSize: 1, threads: 1 }));
      const done = pipeline(Readable.from(items), stream, toWritable(async (src) => {
        for await (const _ of src) stream.destroy(new Error('stop'));
      }));
      await expect(done).rejects.toThrow('stop');
      await until(() => workers.live === 0);
    });

    it('lets the process exit when a consumer walks away at a yield without calling return()', () => {
      const script = `
        import { parallelMap } from ${JSON.stringify(new URL('../../lib/workers/index.ts', import.meta.url).href)};
        const it = parallelMap(${JSON.stringify(double.href)}, { threads: 2, batchSize: 1 })([1, 2, 3, 4, 5, 6]);
        const first = await it.next();
        console.log('first', first.value);
      `;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('first 2');
      expect(r.signal).toBeNull(); // not killed by the timeout: nothing kept the process alive
      expect(r.status).toBe(0);
    });
  });
});
