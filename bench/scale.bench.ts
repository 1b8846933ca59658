/**
 * Cost per item as the input grows (issue 14, case 8): items/s at 100k, 1M and 5M input objects (each
 * size its own case and process), three per-item steps (map, filter, map) from the same objectMode
 * source Readable into the same counting sink, as
 *   (a) genstream `chain(map(f1), filter(f2), map(f3))` in `stream.pipeline`, fused    — the subject
 *   (b) one hand-written objectMode Transform doing the three steps                   — the reference
 * Half the items pass the filter; the checksum sees both fields of every output object, and cases of
 * the same size must agree. A pass at 100k takes ~20 ms, so 5 passes per process (after ≥ 0.5 s of
 * warm-up); a full 5-round run takes ~2 minutes.
 * Target: genstream items/s at 5M ÷ at 100k ≥ 0.8 (the cost per item stays flat: no growing buffer,
 * no per-run cost that scales worse than linearly). The "vs hand-1m" column compares every row with
 * the hand Transform at 1M; the summary has chain ÷ hand at each size.
 *
 *   npm run bench -- scale [--cases chain-5m,hand-5m]
 */
import { Transform, type TransformCallback } from 'node:stream';
import { makeItems, through, type Item } from './fixtures.js';
import { defineBench, type BenchCase, type Derived } from './harness.js';

interface Row {
  i: number;
  v: number;
}

const f1 = (x: Item): Row => ({ i: x.i, v: x.i * 3 }); // map
const f2 = (x: Row): boolean => x.v % 2 === 0; // filter: keeps even i
const f3 = (x: Row): Row => ({ i: x.i, v: x.v + 1 }); // map

/** Both fields feed the checksum, so a case that skips a step cannot pass for the others. */
const hashRow = (r: Row): number => (Math.imul(r.i, 7) + r.v) | 0;

class ThreeStepTransform extends Transform {
  constructor() {
    super({ objectMode: true });
  }

  override _transform(item: Item, _encoding: BufferEncoding, cb: TransformCallback): void {
    const x = f1(item);
    if (!f2(x)) return cb();
    cb(null, f3(x));
  }
}

const SIZES: [string, number][] = [
  ['100k', 100_000],
  ['1m', 1_000_000],
  ['5m', 5_000_000],
];

const cases: BenchCase[] = [];
for (const [size, n] of SIZES) {
  cases.push({
    key: `chain-${size}`,
    label: `(a) genstream chain(map, filter, map), ${size.toUpperCase()}`,
    n,
    setup: ({ n: caseN, lib }) => {
      const items = makeItems(caseN);
      return () => through(items, [lib.chain(lib.map(f1), lib.filter(f2), lib.map(f3))], hashRow);
    },
  });
}
for (const [size, n] of SIZES) {
  cases.push({
    key: `hand-${size}`,
    label: `(b) hand Transform (three steps), ${size.toUpperCase()}`,
    n,
    setup: ({ n: caseN }) => {
      const items = makeItems(caseN);
      return () => through(items, [new ThreeStepTransform()], hashRow);
    },
  });
}

export default defineBench({
  name: 'scale',
  title: 'Fused chain(map, filter, map) vs a hand Transform at 100k / 1M / 5M items: does the cost per item stay flat?',
  n: 1_000_000,
  passes: 5,
  reference: 'hand-1m',
  referenceFor: (key) => `hand-${key.slice(key.lastIndexOf('-') + 1)}`,
  baselines: [],
  subject: 'chain-5m',
  expected: (n) => Math.ceil(n / 2), // the even i in 0..n-1
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const ratio = (a: string, b: string, label: string, target?: number): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x / y, unit: 'ratio', ...(target === undefined ? {} : { target }) });
    };
    ratio('chain-5m', 'chain-100k', 'genstream: items/s at 5M / at 100k', 0.8);
    ratio('hand-5m', 'hand-100k', 'hand Transform: items/s at 5M / at 100k');
    for (const [size] of SIZES) ratio(`chain-${size}`, `hand-${size}`, `chain / hand Transform at ${size.toUpperCase()}`);
    return out;
  },
});
