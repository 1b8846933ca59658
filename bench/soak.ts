/**
 * Soak test (opt-in, not a benchmark): pushes many items through a mixed five-stage chain inside
 * `stream/promises` pipeline and checks that the heap after a forced GC stays flat, i.e. that nothing
 * is retained per item.
 *
 *   npm run soak:heap                        # 5M items
 *   npm run soak:heap -- --items 200000      # the CI size (npm run soak:ci); or SOAK_ITEMS=200000
 *   node --expose-gc --import tsx bench/soak.ts --items 1000000 --samples 60
 *
 * Pipeline: toReadable(generator) → chain(map, async function*, filter, batch(100), flatMap) →
 * toWritable(sink). The sink checks every item (count and checksum against a model computed here) and,
 * every items/samples items, runs `gc()` and records `process.memoryUsage()`.
 *
 * Verdict: the samples taken during the first 10 % of the items are warm-up (JIT, inline caches, lazily
 * built internals) and ignored. Of the rest, the median heapUsed of the last quarter must be within
 * `1 MiB + 5 %` of the median of the first quarter. Why that bound: after a full GC, V8's heapUsed still
 * moves by a few hundred KiB between samples (code and feedback objects come and go, the stream buffers
 * hold up to their high-water marks); medians of a quarter of the samples remove single outliers. A leak
 * of one retained object per item (≥ 16 bytes) would grow the heap by ≥ 16 B × 0.675 × items between
 * the two medians — 54 MB at 5M items, 2.2 MB at 200k — above the bound in both cases. The script prints
 * the smallest per-item leak the bound can detect at the size it ran.
 *
 * Exits 1 when the heap grew past the bound or an item was lost, changed or duplicated.
 */
import { pipeline } from 'node:stream/promises';
import { batch, chain, filter, flatMap, map, toReadable, toWritable } from '../lib/index.js';

interface Options {
  items: number;
  samples: number;
  /** Self-check of the verdict: the sink keeps one small object per item, which must FAIL. */
  injectLeak: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { items: Number(process.env.SOAK_ITEMS ?? 5_000_000), samples: Number(process.env.SOAK_SAMPLES ?? 40), injectLeak: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): number => Number(inline ?? argv[++i]);
    if (flag === '--inject-leak') opts.injectLeak = true;
    else if (flag === '--items') opts.items = value();
    else if (flag === '--samples') opts.samples = value();
    else throw new Error(`soak: unknown argument ${argv[i]} (use --items N, --samples S, --inject-leak)`);
  }
  if (!Number.isSafeInteger(opts.items) || opts.items < 10_000) throw new Error(`soak: --items must be an integer ≥ 10000, got ${opts.items}`);
  if (!Number.isSafeInteger(opts.samples) || opts.samples < 12) throw new Error(`soak: --samples must be an integer ≥ 12, got ${opts.samples}`);
  return opts;
}

const gc = (globalThis as { gc?: () => void }).gc;

interface Sample {
  items: number;
  heapUsed: number;
  rss: number;
  external: number;
  ms: number;
}

interface Row {
  i: number;
  payload: string;
}

const WARMUP_FRACTION = 0.1;
const TOLERANCE_BYTES = 1024 * 1024;
const TOLERANCE_RATIO = 0.05;

/** What the chain does to item i, as plain code: the model the sink checks against. */
function modelKeeps(i: number): boolean {
  return i % 7 !== 3;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);

async function main(): Promise<void> {
  if (gc === undefined) {
    console.error('soak: run with --expose-gc: node --expose-gc --import tsx bench/soak.ts');
    process.exit(2);
  }
  const { items, samples: sampleCount, injectLeak } = parseArgs(process.argv.slice(2));
  const retained: { i: number }[] = [];
  const every = Math.floor(items / sampleCount);

  let expectedCount = 0;
  let expectedSum = 0;
  for (let i = 0; i < items; i++) {
    if (modelKeeps(i)) {
      expectedCount++;
      expectedSum = (expectedSum + i * 2 + 1) % 1_000_000_007;
    }
  }

  function* source(): Generator<Row, void, undefined> {
    // A fresh object and string per item, so that a retained item would show in the heap.
    for (let i = 0; i < items; i++) yield { i, payload: `row-${i}` };
  }

  const samples: Sample[] = [];
  const started = performance.now();
  const sample = (seen: number): void => {
    gc();
    const m = process.memoryUsage();
    samples.push({ items: seen, heapUsed: m.heapUsed, rss: m.rss, external: m.external, ms: performance.now() - started });
  };

  let seen = 0;
  let count = 0;
  let sum = 0;
  let misordered = 0;
  let lastIndex = -1;
  await pipeline(
    toReadable(source),
    chain(
      map((row: Row) => ({ i: row.i, len: row.payload.length })),
      async function* tagged(rows: AsyncIterable<{ i: number; len: number }>) {
        for await (const row of rows) yield { ...row, twice: row.i * 2 };
      },
      filter((row: { i: number; twice: number }) => modelKeeps(row.i)),
      batch(100),
      flatMap((rows: { i: number; twice: number }[]) => rows.map((row) => ({ i: row.i, value: row.twice + 1 }))),
    ),
    toWritable(async (rows: AsyncIterable<{ i: number; value: number }>) => {
      for await (const row of rows) {
        count++;
        sum = (sum + row.value) % 1_000_000_007;
        if (row.i <= lastIndex) misordered++;
        lastIndex = row.i;
        if (injectLeak) retained.push({ i: row.i });
        // Sample by source position (the model knows which indexes pass the filter).
        while (seen + every <= row.i + 1) {
          seen += every;
          sample(seen);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  sample(items); // after the pipeline has finished: everything it held is released
  const afterEnd = samples.length - 1;

  // Verdict.
  const measured = samples.slice(0, afterEnd).filter((s) => s.items > items * WARMUP_FRACTION);
  const quarter = Math.max(1, Math.floor(measured.length / 4));
  const first = median(measured.slice(0, quarter).map((s) => s.heapUsed));
  const last = median(measured.slice(-quarter).map((s) => s.heapUsed));
  const growth = last - first;
  const bound = TOLERANCE_BYTES + TOLERANCE_RATIO * first;
  const firstMid = median(measured.slice(0, quarter).map((s) => s.items));
  const lastMid = median(measured.slice(-quarter).map((s) => s.items));
  const detectable = bound / (lastMid - firstMid);
  const slope = regressionSlope(measured.map((s) => [s.items, s.heapUsed]));

  console.log(`soak: ${items.toLocaleString('en')} items through toReadable → chain(map, async function*, filter, batch(100), flatMap) → toWritable`);
  console.log('');
  console.log('  sample      items   heapUsed MiB   rss MiB   external MiB   elapsed s');
  samples.forEach((s, k) => {
    const mark = k === afterEnd ? ' (after the end)' : s.items <= items * WARMUP_FRACTION ? ' (warm-up)' : k - (afterEnd - measured.length) < quarter ? ' (first ¼)' : k >= afterEnd - quarter ? ' (last ¼)' : '';
    console.log(
      `  ${String(k + 1).padStart(6)} ${String(s.items).padStart(10)} ${mib(s.heapUsed).padStart(14)} ${mib(s.rss).padStart(9)} ${mib(s.external).padStart(14)} ${(s.ms / 1000).toFixed(1).padStart(11)}${mark}`,
    );
  });
  console.log('');
  console.log(`  throughput: ${(items / elapsedS / 1e6).toFixed(2)}M items/s over ${elapsedS.toFixed(1)} s (including ${afterEnd} forced GCs)`);
  console.log(`  items: ${count} arrived of ${expectedCount} expected, checksum ${sum === expectedSum ? 'matches' : `${sum} ≠ ${expectedSum}`}, ${misordered} out of order`);
  console.log(`  heapUsed after GC: first-¼ median ${mib(first)} MiB, last-¼ median ${mib(last)} MiB, growth ${(growth / 1024).toFixed(0)} KiB (bound ${(bound / 1024).toFixed(0)} KiB = 1 MiB + 5 %)`);
  console.log(`  trend: ${slope.toFixed(4)} bytes/item (least squares over the measured samples); the bound detects a leak ≥ ${detectable.toFixed(2)} bytes/item at this size`);

  const failures: string[] = [];
  if (count !== expectedCount || sum !== expectedSum || misordered !== 0) failures.push('items lost, changed or out of order');
  if (growth > bound) failures.push(`heap grew by ${mib(growth)} MiB > ${mib(bound)} MiB`);
  if (injectLeak) console.log(`  (--inject-leak: the sink kept ${retained.length} objects on purpose; this run must FAIL)`);
  console.log(failures.length === 0 ? '  verdict: PASS (heap after GC is flat)' : `  verdict: FAIL (${failures.join('; ')})`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

/** Least-squares slope of y over x. */
function regressionSlope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

main().catch((err: unknown) => {
  console.error('soak: FAIL', err);
  process.exit(1);
});
