/**
 * Issue 3's benchmark: one map stage ({ v: x.i * 2 }) over 1M objects, from the same objectMode source
 * Readable into the same counting sink, as
 *   (a) a hand-written objectMode Transform       — the stream-cost reference
 *   (b) fromGen(async function*)                   — genstream
 *   (c) Duplex.from(async function*)               — Node's generator-to-Duplex bridge
 *   (d) the async function* directly in pipeline   — Node's other generator path
 *   (e) the bare async function* over an already-resolved iterator, no streams (the generator's own cost)
 * A generator stage inside streams pays the Transform's stream costs plus the generator's own, so its
 * ceiling is 1 / (1/T + 1/bare) (DESIGN-NOTES §3); fromGen is judged by its fraction of that ceiling.
 *
 *   npm run bench -- from-gen [--rounds 3] [--n 1000000]
 */
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArraySource, CountingSink, makeItems, resolvedIterable, Tally, type Item } from './fixtures.js';
import { defineBench, type Derived } from './harness.js';

interface Doubled {
  v: number;
}

/** The stage under test in every generator case; the Transform does the same work. */
async function* double(source: AsyncIterable<Item>): AsyncGenerator<Doubled, void, undefined> {
  for await (const x of source) yield { v: x.i * 2 };
}

class DoubleTransform extends Transform {
  constructor() {
    super({ objectMode: true });
  }

  override _transform(x: Item, _encoding: BufferEncoding, cb: TransformCallback): void {
    cb(null, { v: x.i * 2 });
  }
}

const hashDoubled = (d: Doubled): number => d.v | 0;

/** Runs `stage` between a fresh source and a fresh counting sink; resolves with the sink's tally. */
async function throughStage(items: Item[], stage: Duplex): Promise<{ items: number; checksum: number }> {
  const sink = new CountingSink(hashDoubled);
  await pipeline(new ArraySource(items), stage, sink);
  return sink.tally.result();
}

export default defineBench({
  name: 'from-gen',
  title: 'One map stage: fromGen vs Node stream and generator paths',
  n: 1_000_000,
  nodes: ['20', '22', '24'],
  reference: 'transform',
  baselines: ['duplexFrom', 'pipelineGen', 'bareGen'],
  subject: 'fromGen',
  cases: [
    {
      key: 'transform',
      label: '(a) hand-written objectMode Transform',
      setup: ({ n }) => {
        const items = makeItems(n);
        return () => throughStage(items, new DoubleTransform());
      },
    },
    {
      key: 'fromGen',
      label: '(b) fromGen(async function*)',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return () => throughStage(items, lib.fromGen(double));
      },
    },
    {
      key: 'duplexFrom',
      label: '(c) Duplex.from(async function*)',
      setup: ({ n }) => {
        const items = makeItems(n);
        return () => throughStage(items, Duplex.from(double));
      },
    },
    {
      key: 'pipelineGen',
      label: '(d) async function* in pipeline',
      setup: ({ n }) => {
        const items = makeItems(n);
        return async () => {
          const sink = new CountingSink(hashDoubled);
          await pipeline(new ArraySource(items), double, sink);
          return sink.tally.result();
        };
      },
    },
    {
      key: 'bareGen',
      label: '(e) bare async function*, no streams',
      setup: ({ n }) => {
        const items = makeItems(n);
        return async () => {
          const tally = new Tally(hashDoubled);
          for await (const d of double(resolvedIterable(items))) tally.add(d);
          return tally.result();
        };
      },
    },
  ],
  summary: (median) => {
    const t = median('transform');
    const bare = median('bareGen');
    const fg = median('fromGen');
    const dx = median('duplexFrom');
    const pg = median('pipelineGen');
    const out: Derived[] = [];
    if (t !== undefined && bare !== undefined) {
      const ceiling = 1 / (1 / t + 1 / bare);
      out.push({ label: 'ceiling 1/(1/Transform + 1/bare)', value: ceiling, unit: 'items/s' });
      if (fg !== undefined) out.push({ label: 'fromGen / ceiling', value: fg / ceiling, unit: 'ratio', target: 0.85 });
    }
    // No target: the ceiling itself is below 0.4× the Transform on this machine class.
    if (fg !== undefined && t !== undefined) out.push({ label: 'fromGen / Transform', value: fg / t, unit: 'ratio' });
    if (fg !== undefined && dx !== undefined) out.push({ label: 'fromGen / Duplex.from', value: fg / dx, unit: 'ratio', target: 3 });
    if (fg !== undefined && pg !== undefined) out.push({ label: 'fromGen / generator in pipeline', value: fg / pg, unit: 'ratio', target: 1 });
    return out;
  },
});
