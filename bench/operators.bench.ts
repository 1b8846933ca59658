/**
 * Stateful fusable operators (issue 5): scan, batch and take fused in one chain() next to map, against
 * the same steps as one Transform each, one hand-written Transform doing all of them, and generator
 * functions in pipeline. The chain: map(x => x.i) → scan(sum) → batch(100) → take(n / 200): the take
 * stops after half the input; the rest of the (foreign) source is drained by every case alike.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { makeItems, through, type Item } from './fixtures.js';
import { defineBench, type Derived } from './harness.js';

const SIZE = 100;
const batchesWanted = (n: number): number => Math.floor(n / SIZE / 2);

type Gen = (source: AsyncIterable<unknown>) => AsyncGenerator<unknown, void, undefined>;

class StepTransform extends Transform {
  constructor(private readonly step: (x: unknown, push: (y: unknown) => void) => void) {
    super({ objectMode: true });
  }
  override _transform(x: unknown, _e: BufferEncoding, cb: TransformCallback): void {
    this.step(x, (y) => this.push(y));
    cb();
  }
}

function handSteps(n: number): Transform[] {
  let sum = 0;
  let batch: number[] = [];
  let taken = 0;
  const limit = batchesWanted(n);
  const batcher = new Transform({
    objectMode: true,
    transform(x: number, _e, cb) {
      batch.push(x);
      if (batch.length === SIZE) {
        const out = batch;
        batch = [];
        cb(null, out);
      } else cb();
    },
    flush(cb) {
      cb(null, batch.length > 0 ? batch : undefined);
    },
  });
  return [
    new StepTransform((x, push) => push((x as Item).i)),
    new StepTransform((x, push) => push((sum += x as number))),
    batcher,
    new StepTransform((x, push) => {
      if (taken < limit) {
        taken++;
        push(x);
      }
    }),
  ];
}

function oneTransform(n: number): Transform {
  let sum = 0;
  let batch: number[] = [];
  let taken = 0;
  const limit = batchesWanted(n);
  return new Transform({
    objectMode: true,
    transform(x: Item, _e, cb) {
      if (taken >= limit) return cb();
      sum += x.i;
      batch.push(sum);
      if (batch.length < SIZE) return cb();
      const out = batch;
      batch = [];
      taken++;
      cb(null, out);
    },
  });
}

function generators(n: number): Gen[] {
  const limit = batchesWanted(n);
  return [
    async function* (src) {
      for await (const x of src) yield (x as Item).i;
    },
    async function* (src) {
      let sum = 0;
      for await (const x of src) yield (sum += x as number);
    },
    async function* (src) {
      let batch: unknown[] = [];
      for await (const x of src) {
        batch.push(x);
        if (batch.length === SIZE) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    async function* (src) {
      let taken = 0;
      if (limit === 0) return;
      for await (const x of src) {
        yield x;
        if (++taken === limit) return;
      }
    },
  ];
}


export default defineBench({
  name: 'operators',
  title: 'map → scan → batch(100) → take: fused chain() vs Transforms and generators',
  n: 1_000_000,
  reference: 'stepTransforms',
  baselines: ['oneTransform', 'generators'],
  subject: 'chain',
  expected: batchesWanted,
  cases: [
    {
      key: 'chain',
      label: '(a) genstream chain(map, scan, batch, take), fused',
      setup: ({ n, lib }) => {
        const items = makeItems(n);
        const { chain, map, scan, batch, take } = lib;
        return () =>
          through(items, [
            chain(
              map((x: Item) => x.i),
              scan((sum: number, x: number) => sum + x, 0),
              batch(SIZE),
              take(batchesWanted(n)),
            ),
          ]);
      },
    },
    {
      key: 'stepTransforms',
      label: '(b) one hand-written Transform per step',
      setup: ({ n }) => {
        const items = makeItems(n);
        return () => through(items, handSteps(n));
      },
    },
    {
      key: 'oneTransform',
      label: '(c) one hand Transform doing all steps',
      setup: ({ n }) => {
        const items = makeItems(n);
        return () => through(items, [oneTransform(n)]);
      },
    },
    {
      key: 'generators',
      label: '(d) async function* per step in pipeline',
      setup: ({ n }) => {
        const items = makeItems(n);
        return () => through(items, generators(n));
      },
    },
  ],
  summary: (median) => {
    const a = median('chain');
    const out: Derived[] = [];
    if (a === undefined) return out;
    const b = median('stepTransforms');
    const c = median('oneTransform');
    if (b !== undefined) out.push({ label: 'chain / Transform per step', value: a / b, unit: 'ratio', target: 1.8 });
    if (c !== undefined) out.push({ label: 'chain / one Transform', value: a / c, unit: 'ratio', target: 0.9 });
    return out;
  },
});
