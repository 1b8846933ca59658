/**
 * Property test of parallelMap against `Array.prototype.map`: random inputs, thread counts, batch
 * sizes, limits, sync and async functions, ordered or not, with the consumer leaving early or not.
 * Seeded like test/operators/properties.test.ts (`GENSTREAM_SEED`, `GENSTREAM_RUNS`); .ci/run replays
 * it with random seeds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parallelMap } from '../../lib/workers/index.js';
import { watchUnhandled } from '../helpers.js';
import { fixture, trackWorkers } from './helpers.js';

watchUnhandled();
const workers = trackWorkers();

const SEED_ENV = process.env.GENSTREAM_SEED;
const SEED = SEED_ENV === 'random' ? Math.floor(Math.random() * 2 ** 31) : SEED_ENV ? Number(SEED_ENV) : 20261201;
const RUNS = process.env.GENSTREAM_RUNS ? Number(process.env.GENSTREAM_RUNS) : 25;
console.log(`workers/properties.test.ts: GENSTREAM_SEED=${SEED} GENSTREAM_RUNS=${RUNS} (set them to replay this run)`);

const caseArb = fc.record({
  input: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300 }),
  threads: fc.integer({ min: 1, max: 3 }),
  batchSize: fc.integer({ min: 1, max: 40 }),
  concurrency: fc.integer({ min: 1, max: 6 }),
  extraBuffered: fc.integer({ min: 0, max: 6 }),
  ordered: fc.boolean(),
  fn: fc.constantFrom('default', 'doubleLater'),
  leaveAfter: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
});

describe('parallelMap (property)', () => {
  it('yields what Array.prototype.map does (as a multiset when unordered), and leaves no worker running', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const stage = parallelMap<number, number>(fixture('double.mjs'), {
          threads: c.threads,
          batchSize: c.batchSize,
          concurrency: c.concurrency,
          maxBuffered: c.concurrency + c.extraBuffered,
          ordered: c.ordered,
          export: c.fn,
        });
        const out: number[] = [];
        for await (const x of stage(c.input)) {
          out.push(x);
          if (c.leaveAfter !== undefined && out.length >= c.leaveAfter) break;
        }
        const expected = c.input.map((n) => n * 2);
        const wanted = c.leaveAfter === undefined ? expected.length : Math.min(c.leaveAfter, expected.length);
        expect(out.length).toBe(wanted);
        if (c.ordered) expect(out).toEqual(expected.slice(0, wanted));
        else if (wanted === expected.length) expect([...out].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        else for (const x of out) expect(expected).toContain(x);
        expect(workers.live).toBe(0);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 60_000);
});
