/**
 * genstream/workers start-up (issue: parallelMap): a short job, 200 items of the sha256 ×100 function
 * of the `workers` benchmark (bench/workers/sha.mjs: ~0.1 ms an item, ~25 ms of work in all), as
 *   (a) `pipe(items, map(sha))` on the main thread                            — the reference
 *   (b) `pipe(items, parallelMap(sha.mjs))` with the default options (threads = os.availableParallelism())
 *   (c) the hand worker_threads loop of bench/hand-workers.ts (threads = nproc)
 * Each form is measured twice, by two cases running the same pass (as in `first-item`): ms until the
 * consumer has the first result (`…-first`) and until it has all of them (`…-total`). Every pass starts
 * its workers and ends with them gone, so each pays a worker's start (~40 ms of CPU) and the loading of
 * an ES module (~15 ms) again. Every case checksums all 200 digests in order.
 * Target: parallelMap's total ≤ the main thread's + 55 ms (a short job loses no more than what a
 * worker costs to start). The first result is reported without a target: a worker answers a whole
 * batch (64 items, ~7 ms of work) at once.
 *
 *   npm run bench -- workers-startup [--rounds 5]
 */
import { availableParallelism } from 'node:os';
import { Tally } from './fixtures.js';
import { defineBench, type BenchCase, type Derived, type Genstream, type GenstreamWorkers, type PassResult } from './harness.js';
import { handParallelMap, hashHex, importSha, SHA_MODULE, shaItems, type Sha } from './hand-workers.js';

const NPROC = availableParallelism();

/** The consumer: records when the first result arrives and tallies every result. */
class Consumer {
  readonly tally = new Tally(hashHex);
  firstAt = -1;

  constructor(private readonly t0: number) {}

  take(hex: string): void {
    if (this.firstAt < 0) this.firstAt = performance.now() - this.t0;
    this.tally.add(hex);
  }
}

interface Env {
  lib: Genstream;
  workers: GenstreamWorkers;
  sha: Sha;
}

type Form = (env: Env, items: Uint8Array[]) => AsyncIterable<string>;

const FORMS: { key: string; label: string; needsWorkers: boolean; run: Form }[] = [
  {
    key: 'main',
    label: '(a) genstream map on the main thread',
    needsWorkers: false,
    run: ({ lib, sha }, items) => lib.pipe(items, lib.map(sha)),
  },
  {
    key: 'pm',
    label: `(b) parallelMap, default options (threads ${NPROC})`,
    needsWorkers: true,
    run: ({ lib, workers }, items) => lib.pipe(items, workers.parallelMap<Uint8Array, string>(SHA_MODULE)),
  },
  {
    key: 'hand',
    label: `(c) hand worker_threads loop, threads ${NPROC}`,
    needsWorkers: false,
    run: (_env, items) => handParallelMap<Uint8Array, string>(items, SHA_MODULE, NPROC),
  },
];

const cases: BenchCase[] = [];
for (const form of FORMS) {
  for (const what of ['first', 'total'] as const) {
    cases.push({
      key: `${form.key}-${what}`,
      label: `${form.label}: ${what === 'first' ? 'first result' : 'all results'}`,
      setup: async (ctx) => {
        const workers = form.needsWorkers ? await ctx.workers() : undefined;
        if (typeof workers === 'string') return workers;
        const env: Env = { lib: ctx.lib, workers: workers as GenstreamWorkers, sha: await importSha() };
        const items = shaItems(ctx.n);
        return async (): Promise<PassResult> => {
          const t0 = performance.now();
          const consumer = new Consumer(t0);
          for await (const hex of form.run(env, items)) consumer.take(hex);
          const total = performance.now() - t0;
          return consumer.tally.result(what === 'first' ? consumer.firstAt : total);
        };
      },
    });
  }
}

export default defineBench({
  name: 'workers-startup',
  title: 'A short job (200 items of sha256 ×100) through parallelMap: time to the first result and to the last, vs the main thread',
  n: 200,
  metric: 'value',
  unit: 'ms',
  passes: 5,
  warmup: 1,
  reference: 'main-total',
  baselines: ['hand-total'],
  subject: 'pm-total',
  cases,
  summary: (median) => {
    const out: Derived[] = [];
    const diff = (a: string, b: string, label: string, atMost?: number): void => {
      const x = median(a);
      const y = median(b);
      if (x !== undefined && y !== undefined) out.push({ label, value: x - y, unit: 'value', ...(atMost === undefined ? {} : { atMost }) });
    };
    diff('pm-total', 'main-total', 'parallelMap: all results, later than the main thread by', 55);
    diff('pm-first', 'main-first', 'parallelMap: first result, later than the main thread by');
    diff('hand-total', 'main-total', 'hand loop: all results, later than the main thread by');
    diff('hand-first', 'main-first', 'hand loop: first result, later than the main thread by');
    const pm = median('pm-total');
    const hand = median('hand-total');
    if (pm !== undefined && hand !== undefined) out.push({ label: 'parallelMap / hand loop, all results (time)', value: pm / hand, unit: 'ratio' });
    return out;
  },
});
