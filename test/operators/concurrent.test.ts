/**
 * map(fn, { concurrency }) and flatMap(fn, { concurrency }): the engine in lib/operators/concurrent.ts.
 */
import { describe, expect, it } from 'vitest';
import { flatMap, GenstreamArgumentError, map, pipe, take } from '../../lib/index.js';
import { deferred, TestError, tick, ticks, toArray, until, watchUnhandled, type Deferred } from '../helpers.js';
import { asyncOf, Counted, expectEarlyExit, expectEverywhere, expectRejectsEverywhere } from './harness.js';

watchUnhandled();

/** Counts calls in flight: incremented when a call starts, decremented when it resolves. */
class InFlight {
  running = 0;
  max = 0;
  started: number[] = [];
  settled: number[] = [];

  /** An async fn that takes `delay(item)` macrotasks and returns `item * 10`. */
  fn(delay: (item: number) => number): (item: number) => Promise<number> {
    return async (item) => {
      this.start(item);
      await ticks(delay(item));
      this.end(item);
      return item * 10;
    };
  }

  start(item: number): void {
    this.started.push(item);
    this.running++;
    this.max = Math.max(this.max, this.running);
  }

  end(item: number): void {
    this.running--;
    this.settled.push(item);
  }
}

/** A fn whose calls settle only when the test resolves or rejects their deferreds. */
function controlled(flight: InFlight) {
  const calls = new Map<number, Deferred<number>>();
  const fn = (item: number): Promise<number> => {
    flight.start(item);
    const d = deferred<number>();
    calls.set(item, d);
    return d.promise.finally(() => flight.end(item));
  };
  return { fn, calls };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

for (const [name, op] of [
  ['map', (fn: (n: number) => Promise<number>, o: object) => map(fn, o)],
  ['flatMap', (fn: (n: number) => Promise<number>, o: object) => flatMap(async (n: number) => [await fn(n)], o)],
] as const) {
  describe(`${name}(fn, { concurrency })`, () => {
    it('never runs more than `concurrency` calls at once, and reaches that many', async () => {
      for (const concurrency of [1, 2, 3, 5]) {
        const flight = new InFlight();
        const out = await toArray(op(flight.fn((n) => 1 + ((n * 7) % 4)), { concurrency })(range(20)));
        expect(out).toEqual(range(20).map((n) => n * 10));
        expect(flight.max, `concurrency ${concurrency}`).toBe(concurrency);
        expect(flight.running).toBe(0);
      }
    });

    it('keeps input order with ordered: true (the default) even when later calls finish first', async () => {
      const flight = new InFlight();
      const finishOrder: number[] = [];
      const fn = async (n: number): Promise<number> => {
        await flight.fn((k) => 8 - k)(n);
        finishOrder.push(n);
        return n * 10;
      };
      expect(await toArray(op(fn, { concurrency: 4 })(range(8)))).toEqual(range(8).map((n) => n * 10));
      expect(finishOrder).not.toEqual(range(8)); // later items really did finish first
      expect(finishOrder.slice(0, 4)).toEqual([3, 2, 1, 0]);
    });

    it('yields in completion order with ordered: false', async () => {
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const out: number[] = [];
      const done = (async () => {
        for await (const x of op(fn, { concurrency: 3, ordered: false })([0, 1, 2])) out.push(x);
      })();
      await until(() => flight.started.length === 3);
      for (const i of [2, 0, 1]) {
        calls.get(i)!.resolve(i * 10);
        await until(() => out.length === flight.settled.length);
      }
      await done;
      expect(out).toEqual([20, 0, 10]);
    });

    it('works every way (sync/async source, pipeline, fromGen, chain, pipe)', async () => {
      await expectEverywhere(() => op(async (n) => n * 10, { concurrency: 3 }), [1, 2, 3, 4, 5], [10, 20, 30, 40, 50]);
      const unordered = async (n: number) => n * 10;
      for (const [way, input] of [
        ['sync', [3, 1, 2]],
        ['async', asyncOf([3, 1, 2])],
      ] as const) {
        const out = await toArray(pipe(input, op(unordered, { concurrency: 2, ordered: false })));
        expect(out.sort(), way).toEqual([10, 20, 30]);
      }
    });

    it('gives nothing for an empty input (fn never called), every way', async () => {
      let calls = 0;
      await expectEverywhere(() => op(async (n) => (calls++, n), { concurrency: 4 }), [], []);
      expect(calls).toBe(0);
    });

    it('handles a single item, every way', async () => {
      await expectEverywhere(() => op(async (n) => n + 1, { concurrency: 4 }), [1], [2]);
      await expectEverywhere(() => op(async (n) => n + 1, { concurrency: Infinity, ordered: false }), [1], [2]);
    });

    it('pulls at most `concurrency` items ahead of the consumer', async () => {
      const src = new Counted(50);
      let received = 0;
      let peak = 0;
      for await (const _ of op(async (n) => n, { concurrency: 3 })(src.async())) {
        await tick();
        received++;
        peak = Math.max(peak, src.produced - received);
      }
      expect(received).toBe(50);
      expect(peak).toBeLessThanOrEqual(3);
    });

    it('runs the source finally once when the consumer stops early, after the running calls settled', async () => {
      await expectEarlyExit(() => op(async (n) => n, { concurrency: 3 }));
      const flight = new InFlight();
      const src = new Counted();
      for await (const _ of op(flight.fn((n) => n + 1), { concurrency: 4 })(src.async())) break;
      expect(flight.running).toBe(0); // leaving waited for the calls in flight
      expect(src.finallies).toBe(1);
      expect(flight.started.length).toBeLessThanOrEqual(4);
      const viaTake = new InFlight();
      expect(await toArray(pipe(new Counted().async(), op(viaTake.fn(() => 2), { concurrency: 3 }), take(2)))).toEqual([0, 10]);
      expect(viaTake.running).toBe(0);
    });

    it('rejects with the same error object the source throws, after delivering the calls in flight', async () => {
      const err = new TestError('source failed');
      await expectRejectsEverywhere(() => op(async (n) => n, { concurrency: 2 }), () => new Counted(3, err).async(), err);
      await expectRejectsEverywhere(() => op(async (n) => n, { concurrency: 2 }), () => new Counted(3, err).sync(), err);
      const out: number[] = [];
      const flight = new InFlight();
      await expect(
        (async () => {
          for await (const x of op(flight.fn(() => 3), { concurrency: 4 })(new Counted(3, err).async())) out.push(x);
        })(),
      ).rejects.toBe(err);
      expect(flight.running).toBe(0);
    });

    it('rejects with the same error object fn throws synchronously or rejects with', async () => {
      const err = new TestError('fn failed');
      const throwing = ((): Promise<number> => {
        throw err;
      }) as (n: number) => Promise<number>;
      await expectRejectsEverywhere(() => op(throwing, { concurrency: 2 }), () => [1, 2], err);
      await expectRejectsEverywhere(() => op(async () => Promise.reject(err), { concurrency: 2 }), () => asyncOf([1, 2]), err);
    });

    for (const ordered of [true, false]) {
      it(`on an error (ordered: ${ordered}): starts no new call, waits for the running ones, then rejects once and returns the source`, async () => {
        const err = new TestError('call 1 failed');
        const later = new TestError('call 2 failed too');
        const flight = new InFlight();
        const { fn, calls } = controlled(flight);
        const src = new Counted(10);
        let settledAtRejection: number[] | null = null;
        const result = toArray(op(fn, { concurrency: 3, ordered })(src.async())).catch((e: unknown) => {
          settledAtRejection = [...flight.settled];
          throw e;
        });
        await until(() => flight.started.length === 3);
        calls.get(1)!.reject(err);
        await ticks(5);
        expect(settledAtRejection).toBeNull(); // calls 0 and 2 still run: not rejected yet
        calls.get(0)!.resolve(0);
        await ticks(5);
        expect(settledAtRejection).toBeNull();
        expect(flight.started).toEqual([0, 1, 2]); // no new call after the failure
        calls.get(2)!.reject(later);
        await expect(result).rejects.toBe(err);
        expect(settledAtRejection).toEqual([1, 0, 2]);
        expect(flight.started).toEqual([0, 1, 2]);
        expect(flight.running).toBe(0);
        expect(src.finallies).toBe(1);
      });
    }

    it('rejects with the error of the first call to fail, not the first in input order', async () => {
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const first = new TestError('first to fail');
      const result = toArray(op(fn, { concurrency: 3 })([0, 1, 2]));
      await until(() => flight.started.length === 3);
      calls.get(2)!.reject(first);
      await ticks(3);
      calls.get(0)!.reject(new TestError('second to fail'));
      calls.get(1)!.resolve(10);
      await expect(result).rejects.toBe(first);
    });

    it('checks its options when called', () => {
      const fn = async (n: number) => n;
      expect(() => op(fn, { concurrency: 0 })).toThrow(GenstreamArgumentError);
      expect(() => op(fn, { concurrency: 0 })).toThrow(
        `${name}: expected \`options.concurrency\` to be a positive integer or Infinity, got \`0\` (number)`,
      );
      expect(() => op(fn, { concurrency: 2.5 })).toThrow('got `2.5` (number)');
      expect(() => op(fn, { concurrency: '4' })).toThrow('got `"4"` (string)');
      expect(() => op(fn, { concurrency: 2, ordered: 1 })).toThrow(`${name}: expected \`options.ordered\` to be a boolean, got \`1\` (number)`);
      expect(() => op(fn, { ordered: 'no' })).toThrow(`${name}: expected \`options.ordered\` to be a boolean, got \`"no"\` (string)`);
    });
  });
}

describe('flatMap(fn, { concurrency })', () => {
  it('spreads arrays, iterables and async iterables, keeping input order', async () => {
    const fn = async (n: number) => {
      await ticks(5 - n);
      return n % 3 === 0 ? [n, n] : n % 3 === 1 ? asyncOf([n]) : new Set([n, -n]);
    };
    expect(await toArray(flatMap(fn, { concurrency: 3 })([0, 1, 2, 3, 4]))).toEqual([0, 0, 1, 2, -2, 3, 3, 4]);
  });

  it('returns an async iterable being spread when the consumer stops early', async () => {
    const inner = new Counted();
    const src = new Counted();
    expect(await toArray(pipe(src.async(), flatMap(async () => inner.async(), { concurrency: 2 }), take(3)))).toEqual([0, 1, 2]);
    expect(inner.finallies).toBe(1);
    expect(src.finallies).toBe(1);
  });
});
