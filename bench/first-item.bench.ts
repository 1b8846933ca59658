/**
 * Time to the first item (issue 14, case 7): a paginated source — an async generator over pages, each
 * page 100 items after a 10 ms wait (a stand-in for an HTTP call; the default n = 5000 items is 50
 * pages, ~0.5 s) — every item processed by the same function ({@link score}) and handed to the same
 * consumer, as
 *   (a) eager: collect every page into one array, `Array.map` it, then hand the results over — the reference
 *   (b) genstream `for await (const x of pipe(pages(), flatMap(page → items), map(score)))`   — the subject
 *   (c) genstream in `stream.pipeline`: `toReadable(pages())` → `chain(flatMap, map)` → `toWritable(consumer)`
 * Each form is measured twice, by two cases running the same pass: ms until the consumer receives the
 * first item (`…-first`), and ms until it has received all of them (`…-total`, the price of streaming,
 * if any). Every case checksums all n items in order.
 * Target: genstream's first item ≤ 0.1 × eager's (it arrives after one page, not after all of them);
 * its total time ≤ 1.05 × eager's.
 *
 *   npm run bench -- first-item [--n 5000]
 */
import { pipeline } from 'node:stream/promises';
import { Tally } from './fixtures.js';
import { defineBench, type BenchCase, type Derived, type Genstream, type PassResult } from './harness.js';

const PAGE_SIZE = 100;
const PAGE_DELAY_MS = 10;

interface Item {
  id: number;
  price: number;
}

interface Scored {
  id: number;
  score: number;
}

interface Page {
  items: Item[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Pages of `PAGE_SIZE` items (the last one shorter) until `n` items, each after `PAGE_DELAY_MS`. */
async function* pages(n: number): AsyncGenerator<Page, void, undefined> {
  for (let start = 0; start < n; start += PAGE_SIZE) {
    await sleep(PAGE_DELAY_MS);
    const items: Item[] = [];
    for (let id = start; id < Math.min(n, start + PAGE_SIZE); id++) items.push({ id, price: (id * 7919) % 1000 });
    yield { items };
  }
}

/** The per-item work every case does. */
const score = (x: Item): Scored => ({ id: x.id, score: x.price * 3 + (x.id % 7) });
const itemsOf = (p: Page): Item[] => p.items;
const hashScored = (s: Scored): number => (Math.imul(s.id, 31) + s.score) | 0;

/** The consumer: records when the first item arrives and tallies every item. */
class Consumer {
  readonly tally = new Tally(hashScored);
  firstAt = -1;

  constructor(private readonly t0: number) {}

  take(s: Scored): void {
    if (this.firstAt < 0) this.firstAt = performance.now() - this.t0;
    this.tally.add(s);
  }
}

type Form = (lib: Genstream, n: number, consumer: Consumer) => Promise<void>;

const FORMS: { key: string; label: string; run: Form }[] = [
  {
    key: 'eager',
    label: '(a) eager: collect all pages, then map',
    run: async (_lib, n, consumer) => {
      const all: Item[] = [];
      for await (const page of pages(n)) for (const x of page.items) all.push(x);
      const scored = all.map(score);
      for (let i = 0; i < scored.length; i++) consumer.take(scored[i]);
    },
  },
  {
    key: 'pipe',
    label: '(b) genstream pipe(pages, flatMap, map) + for await',
    run: async (lib, n, consumer) => {
      for await (const s of lib.pipe(pages(n), lib.flatMap(itemsOf), lib.map(score))) consumer.take(s);
    },
  },
  {
    key: 'pipeline',
    label: '(c) genstream toReadable → chain(flatMap, map) → toWritable',
    run: async (lib, n, consumer) => {
      await pipeline(
        lib.toReadable(pages(n)),
        lib.chain(lib.flatMap(itemsOf), lib.map(score)),
        lib.toWritable(async (source: AsyncIterable<Scored>) => {
          for await (const s of source) consumer.take(s);
        }),
      );
    },
  },
];

const cases: BenchCase[] = [];
for (const form of FORMS) {
  for (const what of ['first', 'total'] as const) {
    cases.push({
      key: `${form.key}-${what}`,
      label: `${form.label}: ${what === 'first' ? 'first item' : 'all items'}`,
      setup: async ({ lib, n }) => {
        await form.run(lib, 2 * PAGE_SIZE, new Consumer(performance.now())); // load every code path once
        return async (): Promise<PassResult> => {
          const t0 = performance.now();
          const consumer = new Consumer(t0);
          await form.run(lib, n, consumer);
          const total = performance.now() - t0;
          return consumer.tally.result(what === 'first' ? consumer.firstAt : total);
        };
      },
    });
  }
}

export default defineBench({
  name: 'first-item',
  title: 'Paginated source (100 items per 10 ms page): time to the first item and to the last, streaming vs eager',
  n: 5000,
  metric: 'value',
  unit: 'ms',
  passes: 3,
  warmup: 1,
  reference: 'eager-first',
  baselines: ['eager-total'],
  subject: 'pipe-first',
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const ratio = (a: string, b: string, label: string, atMost?: number): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x / y, unit: 'ratio', ...(atMost === undefined ? {} : { atMost }) });
    };
    ratio('pipe-first', 'eager-first', 'genstream pipe(): first item / eager first item', 0.1);
    ratio('pipeline-first', 'eager-first', 'genstream pipeline: first item / eager first item', 0.1);
    ratio('pipe-total', 'eager-total', 'genstream pipe(): all items / eager', 1.05);
    ratio('pipeline-total', 'eager-total', 'genstream pipeline: all items / eager', 1.05);
    return out;
  },
});
