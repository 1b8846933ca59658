/**
 * Parallel async calls (issue 14, case 6): per pass, n items through an async function that waits on a
 * timer — uniform (every call 5 ms) or skewed (every 10th call 50 ms, the others 5 ms) — at concurrency
 * 1, 4, 16 and 64, as
 *   genstream `map(fn, { concurrency, ordered: true })` (`pipe(items, map(…))`, `for await`) — the subject
 *   genstream `map(fn, { concurrency, ordered: false })`
 *   Node `Readable.from(items).map(fn, { concurrency })` (ordered)
 *   streaming-iterables `parallelMap` (ordered) and `transform` (unordered)
 *   p-map `pMap(items, fn, { concurrency })` (an array, in order)                           — the reference
 * The figure is the pass's elapsed time ÷ the ideal time: the makespan of a perfect pool of
 * `concurrency` workers taking the items in input order with unlimited buffering, computed from each
 * call's measured duration. That ideal is ≥ (sum of the work) / concurrency and ≥ the longest call, and
 * it also counts the unavoidable tail (a 50 ms call started near the end); measured durations (not the
 * nominal 5/50 ms) because setTimeout overshoots by ~5% on this machine, which no library can avoid.
 * 1.00 × ideal is a perfect scheduler; an ordered map that lets finished results block the call slots
 * behind a slow item falls behind on the skewed load.
 *
 * Concurrency 1 (sequential; every implementation is at ~1.00 there) is measured only for genstream
 * ordered and p-map. n = 12 × concurrency items per pass (~60 ms ideal uniform, ~115 ms skewed),
 * 3 passes, no warm-up pass (timer-bound; setup runs each implementation once over a few items
 * instead): a full 5-round run of the 40 cases takes ~4 minutes, most of it process start-up.
 * Ordered cases must agree on their (order-sensitive) checksum, unordered ones on an
 * order-insensitive one; every case's n is 12 × its concurrency (a smoke run makes them all 200).
 * Targets: genstream ordered, skewed, concurrency 16 ≤ 1.3 × ideal; uniform ≤ 1.1 × ideal.
 *
 *   npm run bench -- concurrency [--cases gs-ordered-skewed-16,gs-unordered-skewed-16]
 */
import { Readable } from 'node:stream';
import pMap from 'p-map';
import { parallelMap, transform } from 'streaming-iterables';
import { Tally } from './fixtures.js';
import { defineBench, type BenchCase, type Derived, type Genstream, type PassResult } from './harness.js';

const CONCURRENCY = [1, 4, 16, 64];
const ITEMS_PER_SLOT = 12;

/** How long call `x` waits, in ms. */
type Workload = (x: number) => number;
const WORKLOADS: Record<string, Workload> = {
  uniform: () => 5,
  skewed: (x) => (x % 10 === 9 ? 50 : 5),
};

/** The result of call `x` (what the checksum sees). */
const output = (x: number): number => x * 3 + 1;

/** Order-insensitive counterpart of {@link Tally}: a sum of mixed hashes. */
class SumTally {
  items = 0;
  checksum = 0;

  add(y: number): void {
    this.items++;
    this.checksum = (this.checksum + (Math.imul(y, 0x9e3779b1) ^ (y >>> 7))) | 0;
  }
}

type Sink = Tally | SumTally;
type AsyncFn = (x: number) => Promise<number>;

interface Impl {
  key: string;
  label: string;
  ordered: boolean;
  /** Runs `items` through `fn` at `concurrency`, adding every result to `sink` as it arrives. */
  run(lib: Genstream, items: number[], fn: AsyncFn, concurrency: number, sink: Sink): Promise<void>;
}

const IMPLS: Impl[] = [
  {
    key: 'gs-ordered',
    label: 'genstream map, ordered',
    ordered: true,
    run: async (lib, items, fn, concurrency, sink) => {
      for await (const y of lib.pipe(items, lib.map(fn, { concurrency, ordered: true }))) sink.add(y);
    },
  },
  {
    key: 'gs-unordered',
    label: 'genstream map, unordered',
    ordered: false,
    run: async (lib, items, fn, concurrency, sink) => {
      for await (const y of lib.pipe(items, lib.map(fn, { concurrency, ordered: false }))) sink.add(y);
    },
  },
  {
    key: 'readable',
    label: 'Readable.from(items).map',
    ordered: true,
    run: async (_lib, items, fn, concurrency, sink) => {
      for await (const y of Readable.from(items).map((x: number) => fn(x), { concurrency })) sink.add(y as number);
    },
  },
  {
    key: 'si-parallel',
    label: 'streaming-iterables parallelMap',
    ordered: true,
    run: async (_lib, items, fn, concurrency, sink) => {
      for await (const y of parallelMap(concurrency, fn, items)) sink.add(y);
    },
  },
  {
    key: 'si-transform',
    label: 'streaming-iterables transform (unordered)',
    ordered: false,
    run: async (_lib, items, fn, concurrency, sink) => {
      for await (const y of transform(concurrency, fn, items)) sink.add(y);
    },
  },
  {
    key: 'pmap',
    label: 'p-map',
    ordered: true,
    run: async (_lib, items, fn, concurrency, sink) => {
      const out = await pMap(items, fn, { concurrency });
      for (let i = 0; i < out.length; i++) sink.add(out[i]);
    },
  },
];

/** Makespan of `concurrency` perfect workers taking calls of these durations in order (ms). */
function idealMs(durations: Float64Array, concurrency: number): number {
  const free = new Float64Array(Math.min(concurrency, durations.length)); // when each worker is next free
  let end = 0;
  for (let i = 0; i < durations.length; i++) {
    let w = 0;
    for (let j = 1; j < free.length; j++) if (free[j] < free[w]) w = j;
    free[w] += durations[i];
    if (free[w] > end) end = free[w];
  }
  return end;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function makeCase(impl: Impl, workload: string, concurrency: number): BenchCase {
  const wait = WORKLOADS[workload];
  return {
    key: `${impl.key}-${workload}-${concurrency}`,
    label: `${impl.label}, ${workload}, concurrency ${concurrency}`,
    n: ITEMS_PER_SLOT * concurrency,
    setup: async ({ lib, n }) => {
      const items = Array.from({ length: n }, (_, i) => i);
      // Load and run every code path once (a few 1 ms calls), so the first timed pass pays no module loading.
      await impl.run(lib, items.slice(0, 2 * concurrency), (x) => sleep(1).then(() => output(x)), concurrency, impl.ordered ? new Tally() : new SumTally());
      return async (): Promise<PassResult> => {
        const durations = new Float64Array(n);
        const fn: AsyncFn = async (x) => {
          const t0 = performance.now();
          await sleep(wait(x));
          durations[x] = performance.now() - t0;
          return output(x);
        };
        const sink = impl.ordered ? new Tally((y: number) => y) : new SumTally();
        const t0 = performance.now();
        await impl.run(lib, items, fn, concurrency, sink);
        const elapsed = performance.now() - t0;
        return { items: sink.items, checksum: sink.checksum, value: elapsed / idealMs(durations, concurrency) };
      };
    },
  };
}

// Concurrency 1 (sequential: ordered and unordered are the same) only for genstream ordered and p-map.
const WITH_SEQUENTIAL = new Set(['gs-ordered', 'pmap']);
const cases: BenchCase[] = [];
for (const impl of IMPLS) {
  for (const workload of Object.keys(WORKLOADS)) {
    for (const c of CONCURRENCY) if (c > 1 || WITH_SEQUENTIAL.has(impl.key)) cases.push(makeCase(impl, workload, c));
  }
}
const orderedImpl = new Map(IMPLS.map((i) => [i.key, i.ordered]));

export default defineBench({
  name: 'concurrency',
  title: 'map with concurrency over timer-bound calls (uniform 5 ms; skewed: every 10th 50 ms): elapsed ÷ ideal',
  n: ITEMS_PER_SLOT * 16,
  metric: 'value',
  unit: '× ideal',
  passes: 3,
  warmup: 0,
  reference: 'pmap-skewed-16',
  // Each workload and concurrency against p-map under the same load.
  referenceFor: (key) => `pmap-${key.split('-').slice(-2).join('-')}`,
  baselines: ['readable-skewed-16'],
  subject: 'gs-ordered-skewed-16',
  outputGroup: (key) => {
    const impl = key.replace(/-(uniform|skewed)-\d+$/, '');
    return orderedImpl.get(impl) === true ? 'ordered' : orderedImpl.get(impl) === false ? 'unordered' : null;
  },
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const add = (key: string, label: string, atMost?: number): void => {
      const v = median(key);
      if (v !== undefined) out.push({ label, value: v, unit: 'value', ...(atMost === undefined ? {} : { atMost }) });
    };
    add('gs-ordered-skewed-16', 'genstream ordered, skewed, concurrency 16', 1.3);
    add('gs-ordered-uniform-16', 'genstream ordered, uniform, concurrency 16', 1.1);
    add('gs-unordered-skewed-16', 'genstream unordered, skewed, concurrency 16');
    add('gs-ordered-skewed-64', 'genstream ordered, skewed, concurrency 64');
    add('readable-skewed-16', 'Readable.map, skewed, concurrency 16');
    add('pmap-skewed-16', 'p-map, skewed, concurrency 16');
    return out;
  },
});
