/**
 * Off the fused path (issue 14): the same stages run alone in `stream.pipeline`, inside `chain()`, and
 * under `run()`/`pipe()`, over 1M objects from the same source into the same counting sink.
 *   (a) a generator function (one map) alone in pipeline — the reference
 *   (b) the same generator inside chain() in pipeline            target ≥ 0.9× (a)
 *   (c) run(source, generator, sink)                              target ≥ 0.9× (a)
 *   (d) map(f), filter(g) as two pipeline stages
 *   (e) run(source, map(f), filter(g), sink)                      target ≥ 0.9× (d)
 *   (f) map(f), filter(g) in pipeline into an async-function sink (for await)
 *   (g) for await … of pipe(source, map(f), filter(g))            target ≥ 0.9× (f)
 * (f)/(g) share the consumer's protocol (a promise per item in `for await`); (d)/(e) write to a Writable.
 *
 *   npm run bench -- stages [--n 1000000]
 */
import { pipeline } from 'node:stream/promises';
// ArraySource is an untyped Readable (items `unknown` to chain()/pipe()/run()): its items are declared where genstream reads it.
import type { TypedReadable } from '../lib/index.js';
import { ArraySource, CountingSink, makeItems, Tally, type Item } from './fixtures.js';
import { defineBench, type Derived } from './harness.js';

interface Doubled {
  v: number;
}

async function* double(source: AsyncIterable<Item>): AsyncGenerator<Doubled, void, undefined> {
  for await (const x of source) yield { v: x.i * 2 };
}

const f = (x: Item): Doubled => ({ v: x.i * 2 });
// Keeps every item (it still runs per item), so every case yields the same output and count.
const g = (d: Doubled): boolean => d.v >= 0;
const hash = (d: Doubled): number => d.v | 0;

/** Stages in pipeline: @types/node's overloads do not list generator functions next to streams. */
const run = (...stages: unknown[]): Promise<void> => pipeline(stages as unknown as readonly NodeJS.ReadWriteStream[]);

export default defineBench({
  name: 'stages',
  title: 'The same stages alone in pipeline, in chain(), and under run()/pipe()',
  n: 1_000_000,
  reference: 'genPipeline',
  baselines: ['opsPipeline', 'opsPipelineForAwait'],
  subject: 'runOps',
  cases: [
    {
      key: 'genPipeline',
      label: '(a) generator alone in pipeline',
      setup: ({ n }) => {
        const items = makeItems(n);
        return async () => {
          const sink = new CountingSink(hash);
          await run(new ArraySource(items), double, sink);
          return sink.tally.result();
        };
      },
    },
    {
      key: 'genChain',
      label: '(b) chain(generator) in pipeline',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return async () => {
          const sink = new CountingSink(hash);
          await pipeline(new ArraySource(items), lib.chain(double), sink);
          return sink.tally.result();
        };
      },
    },
    {
      key: 'runGen',
      label: '(c) run(source, generator, sink)',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return async () => {
          const sink = new CountingSink(hash);
          await lib.run((new ArraySource(items) as TypedReadable<Item>), double, sink);
          return sink.tally.result();
        };
      },
    },
    {
      key: 'opsPipeline',
      label: '(d) map, filter as pipeline stages',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return async () => {
          const sink = new CountingSink(hash);
          await run(new ArraySource(items), lib.map(f), lib.filter(g), sink);
          return sink.tally.result();
        };
      },
    },
    {
      key: 'runOps',
      label: '(e) run(source, map, filter, sink)',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return async () => {
          const sink = new CountingSink(hash);
          await lib.run((new ArraySource(items) as TypedReadable<Item>), lib.map(f), lib.filter(g), sink);
          return sink.tally.result();
        };
      },
    },
    {
      key: 'opsPipelineForAwait',
      label: '(f) map, filter in pipeline → for await sink',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return async () => {
          const tally = new Tally(hash);
          await run(new ArraySource(items), lib.map(f), lib.filter(g), async (source: AsyncIterable<Doubled>) => {
            for await (const d of source) tally.add(d);
          });
          return tally.result();
        };
      },
    },
    {
      key: 'pipeOps',
      label: '(g) for await … of pipe(source, map, filter)',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        return async () => {
          const tally = new Tally(hash);
          for await (const d of lib.pipe((new ArraySource(items) as TypedReadable<Item>), lib.map(f), lib.filter(g))) tally.add(d);
          return tally.result();
        };
      },
    },
  ],
  summary: (median) => {
    const out: Derived[] = [];
    const ratio = (label: string, a: string, b: string, target: number): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x / y, unit: 'ratio', target });
    };
    ratio('chain(generator) / generator alone in pipeline', 'genChain', 'genPipeline', 0.9);
    ratio('run(generator) / generator in pipeline', 'runGen', 'genPipeline', 0.9);
    ratio('run(map, filter) / the same stages in pipeline', 'runOps', 'opsPipeline', 0.9);
    ratio('pipe(map, filter) + for await / pipeline + for await sink', 'pipeOps', 'opsPipelineForAwait', 0.9);
    return out;
  },
});
