/**
 * genstream/workers (issue: parallelMap). Two jobs, each over the same per-item function module in every
 * case, from pre-built items into the same ordered tally:
 *
 * CPU-bound map, n = 12k: per item, sha256 of a 4 KiB buffer, then of the 32-byte digest 99 more times
 * (bench/workers/sha.mjs; ~0.1 ms of CPU an item), as
 *   `pipe(items, map(sha))` on the main thread                                  — the speed-up column
 *   `pipe(items, parallelMap(sha.mjs, { threads: t }))` for t = 1 … os.availableParallelism()
 *   a hand worker_threads loop (bench/hand-workers.ts): nproc workers started up front, batches of 64,
 *   2 batches in flight per worker, results in input order                   — the reference
 * Per-item overhead, n = 200k: the identity (bench/workers/identity.mjs) over { id, name } objects, as
 *   parallelMap (threads = nproc)
 *   piscina, one `run()` per item, 4 × threads tasks in flight, results in input order
 *   the hand loop (threads = nproc)                                            — its reference
 * Each pass is the whole job: the workers (the piscina pool) start inside it and are gone at its end.
 * The sha cases checksum the first 32 bits of each hex digest, the identity cases each id, in order.
 * Targets: sha, parallelMap(threads = nproc) ≥ 0.95 × the hand loop; identity, parallelMap ≥ 5 ×
 * piscina and ≥ 0.9 × the hand loop. Start-up is measured by `workers-startup` (a `value` benchmark:
 * one benchmark has one metric). Judged on the wall clock whatever `--clock` says (the CPU clock counts the main thread only).
 *
 *   npm run bench -- workers [--cases sha-pm-t2,id-pm] [--rounds 5]
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { Tally } from './fixtures.js';
import { defineBench, type BenchCase, type Derived, type GenstreamWorkers, type Pass, type SetupContext } from './harness.js';
import { handParallelMap, hashHex, IDENTITY_MODULE, importSha, plainExecArgv, SHA_MODULE, shaItems } from './hand-workers.js';

const NPROC = availableParallelism();
const SHA_N = 12_000;
const IDENTITY_N = 200_000;
/** piscina tasks in flight per thread. */
const PISCINA_PER_THREAD = 4;

interface Named {
  id: number;
  name: string;
}

const namedItems = (n: number): Named[] => Array.from({ length: n }, (_, i) => ({ id: i, name: `item${i}` }));
const hashNamed = (x: Named): number => x.id;

/** Tallies what `results` yields (in order) with `hash`. */
async function tallyAll<T>(results: AsyncIterable<T>, hash: (x: T) => number): Promise<{ items: number; checksum: number }> {
  const tally = new Tally(hash as (x: never) => number);
  for await (const x of results) tally.add(x);
  return tally.result();
}

/** piscina as its README uses it, kept ordered: one task per item, a window of `limit` tasks, oldest awaited first. */
async function* piscinaMap<I, O>(pool: Piscina<I, O>, items: readonly I[], limit: number): AsyncGenerator<O, void, undefined> {
  const window: Promise<O>[] = [];
  let next = 0;
  while (next < items.length && window.length < limit) window.push(pool.run(items[next++]));
  while (window.length > 0) {
    const value = await (window.shift() as Promise<O>);
    if (next < items.length) window.push(pool.run(items[next++]));
    yield value;
  }
}

/** A case over genstream/workers: skipped when the build under test has none. */
const withWorkers =
  (make: (w: GenstreamWorkers, ctx: SetupContext) => Pass): BenchCase['setup'] =>
  async (ctx) => {
    const w = await ctx.workers();
    return typeof w === 'string' ? w : make(w, ctx);
  };

const threadCounts = Array.from({ length: NPROC }, (_, i) => i + 1);

const cases: BenchCase[] = [
  {
    key: 'sha-main',
    label: 'sha: genstream map on the main thread',
    setup: async ({ lib, n }) => {
      const items = shaItems(n);
      const sha = await importSha();
      return () => tallyAll(lib.pipe(items, lib.map(sha)), hashHex);
    },
  },
  ...threadCounts.map(
    (t): BenchCase => ({
      key: `sha-pm-t${t}`,
      label: `sha: parallelMap, threads ${t}`,
      setup: withWorkers((w, { n }) => {
        const items = shaItems(n);
        const stage = w.parallelMap<Uint8Array, string>(SHA_MODULE, { threads: t });
        return () => tallyAll(stage(items), hashHex); // called on the items, as the hand loop is (pipe() would add its own layer)
      }),
    }),
  ),
  {
    key: 'sha-hand',
    label: `sha: hand worker_threads loop, threads ${NPROC}`,
    setup: ({ n }) => {
      const items = shaItems(n);
      return () => tallyAll(handParallelMap<Uint8Array, string>(items, SHA_MODULE, NPROC), hashHex);
    },
  },
  {
    key: 'id-pm',
    label: `identity: parallelMap, threads ${NPROC}`,
    n: IDENTITY_N,
    setup: withWorkers((w, { n }) => {
      const items = namedItems(n);
      const stage = w.parallelMap<Named, Named>(IDENTITY_MODULE, { threads: NPROC });
      return () => tallyAll(stage(items), hashNamed); // called on the items, as the hand loop is
    }),
  },
  {
    key: 'id-piscina',
    label: `identity: piscina, a task per item, threads ${NPROC}`,
    n: IDENTITY_N,
    setup: ({ n }) => {
      const items = namedItems(n);
      return async () => {
        const pool = new Piscina<Named, Named>({ filename: IDENTITY_MODULE.href, minThreads: NPROC, maxThreads: NPROC, execArgv: plainExecArgv() });
        try {
          return await tallyAll(piscinaMap(pool, items, PISCINA_PER_THREAD * NPROC), hashNamed);
        } finally {
          await pool.destroy();
        }
      };
    },
  },
  {
    key: 'id-hand',
    label: `identity: hand worker_threads loop, threads ${NPROC}`,
    n: IDENTITY_N,
    setup: ({ n }) => {
      const items = namedItems(n);
      return () => tallyAll(handParallelMap<Named, Named>(items, IDENTITY_MODULE, NPROC), hashNamed);
    },
  },
];

export default defineBench({
  name: 'workers',
  clock: 'wall', // the work is in the worker threads: the main thread's CPU time would leave it out
  title: `parallelMap on worker threads: sha256 ×100 per item (12k) and the identity (200k), vs the main thread, piscina and a hand worker_threads loop`,
  n: SHA_N,
  reference: 'sha-hand',
  // The identity cases (their own n) against the hand loop over the same items.
  referenceFor: (key) => (key.startsWith('id-') ? 'id-hand' : 'sha-hand'),
  baselines: ['sha-main', 'id-piscina'],
  subject: `sha-pm-t${NPROC}`,
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const ratio = (a: string, b: string, label: string, target?: number): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x / y, unit: 'ratio', ...(target === undefined ? {} : { target }) });
    };
    ratio(`sha-pm-t${NPROC}`, 'sha-hand', `sha: parallelMap (threads ${NPROC}) / hand loop`, 0.95);
    for (const t of threadCounts) ratio(`sha-pm-t${t}`, 'sha-main', `sha: parallelMap (threads ${t}) speed-up over the main thread`);
    ratio('sha-hand', 'sha-main', `sha: hand loop (threads ${NPROC}) speed-up over the main thread`);
    ratio('id-pm', 'id-piscina', 'identity: parallelMap / piscina', 5);
    ratio('id-pm', 'id-hand', 'identity: parallelMap / hand loop', 0.9);
    return out;
  },
});
