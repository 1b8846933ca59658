/**
 * Issue 16's benchmark: genstream's adapters against what Node core, it-to-stream 1, stream-to-it 1 and
 * streaming-iterables 8 offer for the same job, 1M objects per pass. Every case ends with the same rows
 * `{ i, v: i * 3 }` in the same order (one checksum over i and v for all of them), and each of the four
 * jobs has its own reference:
 *
 *   source — an async generator of rows → a Readable → a counting Writable, in stream.pipeline:
 *     hand Readable whose _read pushes rows until push() says stop   — the reference
 *     genstream toReadable(gen) · Node Readable.from(gen) · it-to-stream readable(gen, { objectMode })
 *   consume — the hand Readable → `for await` code:
 *     readable[Symbol.asyncIterator]() (a plain `for await` over it)  — the reference
 *     genstream fromReadable(r). (stream-to-it's source(r) and streaming-iterables' fromStream(r)
 *     return r itself for a Node Readable: they are the reference by construction, not measured.)
 *   sink — an async generator of rows → a counting Writable (synchronous _write/_writev):
 *     pipeline(gen, writable)                                        — the reference
 *     genstream fromWritable(w)(gen) · stream-to-it sink(w)(gen) · streaming-iterables
 *     writeToStream(w, gen), then end() and finished(w) (it does not end the stream);
 *     and a sink *function* as the Writable, in pipeline(gen, …): genstream toWritable(fn) ·
 *     it-to-stream writable(fn, { objectMode })
 *   transform — an async generator of `{ i }` → a map to rows → `for await` code:
 *     a hand objectMode map Transform in pipeline(gen, transform, consumer)   — the reference
 *     the same Transform called from iterable code: genstream toGen(() => transform) · stream-to-it
 *     transform(t); and the map written as an async generator made into a Duplex, in the same
 *     pipeline: genstream fromGen(fn) · Node Duplex.from(fn) · it-to-stream transform(fn, { objectMode })
 *
 * it-to-stream 1.0.0 declares readable-stream 3 as a dependency but its code uses node:stream, as every
 * other case does. The ratios under the table compare genstream with each alternative for the same job.
 *
 *   npm run bench -- ecosystem [--cases toReadable,itToStream] [--n 1000000]
 */
import { createRequire } from 'node:module';
import { Duplex, Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { sink as itSink, transform as itTransform } from 'stream-to-it';
import { writeToStream } from 'streaming-iterables';
import { CountingSink, Tally } from './fixtures.js';
import { defineBench, type Derived, type PassResult } from './harness.js';

/** it-to-stream 1 is CommonJS without types: the four functions it exports, as this file uses them. */
interface ItToStream {
  readable(source: AsyncIterable<unknown>, options?: object): Readable;
  writable(sink: (source: AsyncIterable<unknown>) => Promise<void>, options?: object): Writable;
  transform(fn: (source: AsyncIterable<unknown>) => AsyncIterable<unknown>, options?: object): Duplex;
}
const itToStream = createRequire(import.meta.url)('it-to-stream') as ItToStream;

interface Row {
  i: number;
  v: number;
}

interface Item {
  i: number;
}

/** Order-sensitive and over both fields, so a case that drops, reorders or skips the map cannot pass. */
const hashRow = (r: Row): number => (Math.imul(r.i, 7) + r.v) | 0;

/** The row source every generator case starts from (the computed field is v). */
async function* rows(n: number): AsyncGenerator<Row, void, undefined> {
  for (let i = 0; i < n; i++) yield { i, v: i * 3 };
}

/** The transform job's input: rows without their computed field. */
async function* items(n: number): AsyncGenerator<Item, void, undefined> {
  for (let i = 0; i < n; i++) yield { i };
}

/** The map of the transform job, as an async generator stage. */
async function* toRow(source: AsyncIterable<Item>): AsyncGenerator<Row, void, undefined> {
  for await (const x of source) yield { i: x.i, v: x.i * 3 };
}

/** The hand-written source: builds the same rows in `_read`, pushing until push() returns false. */
class RowReadable extends Readable {
  private next = 0;

  constructor(private readonly n: number) {
    super({ objectMode: true });
  }

  override _read(): void {
    const n = this.n;
    while (this.next < n) {
      const i = this.next++;
      if (!this.push({ i, v: i * 3 })) return;
    }
    this.push(null);
  }
}

/** The hand-written map Transform of the transform job. */
class RowTransform extends Transform {
  constructor() {
    super({ objectMode: true });
  }

  override _transform(x: Item, _encoding: BufferEncoding, cb: TransformCallback): void {
    cb(null, { i: x.i, v: x.i * 3 });
  }
}

/** Counts what an iterable yields: the iterable-code consumer of the consume and transform jobs. */
async function tallyOf(source: AsyncIterable<unknown>): Promise<PassResult> {
  const tally = new Tally(hashRow);
  for await (const x of source) tally.add(x);
  return tally.result();
}

/** A fresh counting Writable, its tally read once the pass is done. */
const countingSink = (): CountingSink => new CountingSink(hashRow);

/** Ends a pipeline in iterable code (the consumer of pipeline(gen, stage, consumer)). */
const consumer = (tally: Tally) =>
  async function count(source: AsyncIterable<unknown>): Promise<void> {
    for await (const x of source) tally.add(x);
  };

/** Runs `stage` (a Duplex) between the `{ i }` generator and the iterable-code consumer. */
async function throughDuplex(n: number, stage: Duplex): Promise<PassResult> {
  const tally = new Tally(hashRow);
  await pipeline(items(n), stage, consumer(tally));
  return tally.result();
}

/** Which job a case belongs to, by its key: each job has its own reference. */
const JOB: Record<string, 'source' | 'consume' | 'sink' | 'transform'> = {
  handReadable: 'source',
  toReadable: 'source',
  readableFrom: 'source',
  itReadable: 'source',
  asyncIterator: 'consume',
  fromReadable: 'consume',
  pipelineGen: 'sink',
  fromWritable: 'sink',
  itSink: 'sink',
  writeToStream: 'sink',
  toWritable: 'sink',
  itWritable: 'sink',
  transformPipeline: 'transform',
  toGen: 'transform',
  itTransform: 'transform',
  fromGen: 'transform',
  duplexFrom: 'transform',
  itToStreamTransform: 'transform',
};
const REFERENCE = { source: 'handReadable', consume: 'asyncIterator', sink: 'pipelineGen', transform: 'transformPipeline' } as const;

export default defineBench({
  name: 'ecosystem',
  title: 'Adapters against Node core, it-to-stream, stream-to-it and streaming-iterables',
  n: 1_000_000,
  reference: 'handReadable',
  referenceFor: (key) => REFERENCE[JOB[key]],
  baselines: [],
  cases: [
    // --- source: an async generator → a Readable, in pipeline to a counting Writable.
    {
      key: 'handReadable',
      label: 'source: hand Readable (_read pushes until false)',
      setup: ({ n }) => async () => {
        const sink = countingSink();
        await pipeline(new RowReadable(n), sink);
        return sink.tally.result();
      },
    },
    {
      key: 'toReadable',
      label: 'source: genstream toReadable(gen)',
      setup: ({ n, lib }) => async () => {
        const sink = countingSink();
        await pipeline(lib.toReadable(rows(n)), sink);
        return sink.tally.result();
      },
    },
    {
      key: 'readableFrom',
      label: 'source: Node Readable.from(gen)',
      setup: ({ n }) => async () => {
        const sink = countingSink();
        await pipeline(Readable.from(rows(n)), sink);
        return sink.tally.result();
      },
    },
    {
      key: 'itReadable',
      label: 'source: it-to-stream readable(gen)',
      setup: ({ n }) => async () => {
        const sink = countingSink();
        await pipeline(itToStream.readable(rows(n), { objectMode: true }), sink);
        return sink.tally.result();
      },
    },
    // --- consume: the hand Readable read by `for await` code.
    {
      key: 'asyncIterator',
      label: 'consume: for await over the Readable (Node)',
      setup: ({ n }) => () => tallyOf(new RowReadable(n)),
    },
    {
      key: 'fromReadable',
      label: 'consume: genstream fromReadable(r)',
      setup: ({ n, lib }) => () => tallyOf(lib.fromReadable<Row>(new RowReadable(n))),
    },
    // --- sink: an async generator written into a counting Writable (or into a sink function).
    {
      key: 'pipelineGen',
      label: 'sink: Node pipeline(gen, writable)',
      setup: ({ n }) => async () => {
        const sink = countingSink();
        await pipeline(rows(n), sink);
        return sink.tally.result();
      },
    },
    {
      key: 'fromWritable',
      label: 'sink: genstream fromWritable(w)(gen)',
      setup: ({ n, lib }) => async () => {
        const sink = countingSink();
        await lib.fromWritable<Row>(sink)(rows(n));
        return sink.tally.result();
      },
    },
    {
      key: 'itSink',
      label: 'sink: stream-to-it sink(w)(gen)',
      setup: ({ n }) => async () => {
        const sink = countingSink();
        await itSink<Row>(sink)(rows(n));
        return sink.tally.result();
      },
    },
    {
      key: 'writeToStream',
      label: 'sink: streaming-iterables writeToStream(w, gen)',
      setup: ({ n }) => async () => {
        const sink = countingSink();
        await writeToStream(sink, rows(n));
        sink.end(); // writeToStream leaves the stream open
        await finished(sink);
        return sink.tally.result();
      },
    },
    {
      key: 'toWritable',
      label: 'sink fn as Writable: genstream toWritable(fn)',
      setup: ({ n, lib }) => async () => {
        const tally = new Tally(hashRow);
        await pipeline(rows(n), lib.toWritable<Row>(consumer(tally)));
        return tally.result();
      },
    },
    {
      key: 'itWritable',
      label: 'sink fn as Writable: it-to-stream writable(fn)',
      setup: ({ n }) => async () => {
        const tally = new Tally(hashRow);
        await pipeline(rows(n), itToStream.writable(consumer(tally), { objectMode: true }));
        return tally.result();
      },
    },
    // --- transform: a map from { i } to rows, between an async generator and `for await` code.
    {
      key: 'transformPipeline',
      label: 'transform: hand Transform in pipeline(gen, t, fn)',
      setup: ({ n }) => () => throughDuplex(n, new RowTransform()),
    },
    {
      key: 'toGen',
      label: 'transform: genstream toGen(() => t)(gen)',
      setup: ({ n, lib }) => {
        const stage = lib.toGen<Item, Row>(() => new RowTransform());
        return () => tallyOf(stage(items(n)));
      },
    },
    {
      key: 'itTransform',
      label: 'transform: stream-to-it transform(t)(gen)',
      setup: ({ n }) => () => tallyOf(itTransform<Item, Row>(new RowTransform())(items(n))),
    },
    {
      key: 'fromGen',
      label: 'generator as Duplex: genstream fromGen(fn)',
      setup: ({ n, lib }) => () => throughDuplex(n, lib.fromGen(toRow)),
    },
    {
      key: 'duplexFrom',
      label: 'generator as Duplex: Node Duplex.from(fn)',
      setup: ({ n }) => () => throughDuplex(n, Duplex.from(toRow)),
    },
    {
      key: 'itToStreamTransform',
      label: 'generator as Duplex: it-to-stream transform(fn)',
      setup: ({ n }) => () => throughDuplex(n, itToStream.transform(toRow as (s: AsyncIterable<unknown>) => AsyncIterable<unknown>, { objectMode: true })),
    },
  ],
  summary: (median) => {
    const out: Derived[] = [];
    const ratio = (label: string, a: string, b: string): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x / y, unit: 'ratio' });
    };
    ratio('toReadable / Readable.from', 'toReadable', 'readableFrom');
    ratio('toReadable / it-to-stream readable', 'toReadable', 'itReadable');
    ratio('fromReadable / for await over the Readable', 'fromReadable', 'asyncIterator');
    ratio('fromWritable / pipeline(gen, writable)', 'fromWritable', 'pipelineGen');
    ratio('fromWritable / stream-to-it sink', 'fromWritable', 'itSink');
    ratio('fromWritable / streaming-iterables writeToStream', 'fromWritable', 'writeToStream');
    ratio('toWritable / it-to-stream writable', 'toWritable', 'itWritable');
    ratio('toGen / stream-to-it transform', 'toGen', 'itTransform');
    ratio('fromGen / Duplex.from', 'fromGen', 'duplexFrom');
    ratio('fromGen / it-to-stream transform', 'fromGen', 'itToStreamTransform');
    return out;
  },
});
