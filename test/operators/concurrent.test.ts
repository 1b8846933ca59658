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

    it('reads at most `maxBuffered` items ahead of the consumer, and reaches that many (default and set)', async () => {
      for (const [options, limit] of [
        [{ concurrency: 3 }, 24], // the default: max(16, 8 × 3)
        [{ concurrency: 3, maxBuffered: 3 }, 3],
        [{ concurrency: 3, maxBuffered: 5 }, 5],
        [{ concurrency: 3, maxBuffered: 5, ordered: false }, 5],
      ] as const) {
        const src = new Counted(60);
        let delivered = 0;
        let peak = 0;
        const counting = async function* () {
          for await (const x of src.async()) {
            peak = Math.max(peak, src.produced - delivered); // measured at each read, counting the item read
            yield x;
          }
        };
        for await (const _ of op(async (n) => n, options)(counting())) {
          delivered++;
          await tick(); // a slow consumer
        }
        expect(delivered).toBe(60);
        expect(peak, JSON.stringify(options)).toBe(limit);
      }
    });

    it('runs the source finally once when the consumer stops early, after the running calls settled', async () => {
      await expectEarlyExit(() => op(async (n) => n, { concurrency: 3 }));
      const flight = new InFlight();
      const src = new Counted();
      let startedWhenLeaving = -1;
      for await (const _ of op(flight.fn((n) => n + 1), { concurrency: 4 })(src.async())) {
        startedWhenLeaving = flight.started.length;
        break;
      }
      expect(flight.running).toBe(0); // leaving waited for the calls in flight
      expect(src.finallies).toBe(1);
      expect(flight.started.length).toBe(startedWhenLeaving); // and started none after the consumer left
      expect(flight.max).toBeLessThanOrEqual(4);
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

  describe(`${name}(fn, { concurrency, maxBuffered })`, () => {
    it('keeps starting calls while a slow first item runs: `concurrency` running, finished results buffered up to `maxBuffered`', async () => {
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const src = new Counted(10);
      const out: number[] = [];
      const done = (async () => {
        for await (const x of op(fn, { concurrency: 2, maxBuffered: 5 })(src.async())) out.push(x);
      })();
      await until(() => flight.started.length === 2);
      for (const i of [1, 2, 3]) {
        calls.get(i)!.resolve(i * 10); // finished behind the slow call 0: its call slot goes to the next item
        await until(() => flight.started.length === i + 2);
        expect(flight.running).toBe(2);
      }
      calls.get(4)!.resolve(40); // now held: 0 running, 1-4 finished = 5 = maxBuffered
      await ticks(5);
      expect(flight.started).toEqual([0, 1, 2, 3, 4]); // at the limit no call starts, though a call slot is free
      expect(flight.running).toBe(1);
      expect(src.produced).toBe(5); // nor is the source read
      expect(out).toEqual([]); // all wait for call 0
      calls.get(0)!.resolve(0);
      await until(() => out.length === 5);
      expect(out).toEqual([0, 10, 20, 30, 40]); // in input order
      for (let i = 5; i < 10; i++) {
        await until(() => calls.has(i));
        calls.get(i)!.resolve(i * 10);
      }
      await done;
      expect(out).toEqual(range(10).map((n) => n * 10));
      expect(flight.max).toBe(2);
      expect(src.finallies).toBe(1);
    });

    it('with `maxBuffered` equal to `concurrency`, a result waiting behind a slow first item keeps its call slot', async () => {
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const result = toArray(op(fn, { concurrency: 2, maxBuffered: 2 })(range(4)));
      await until(() => flight.started.length === 2);
      calls.get(1)!.resolve(10);
      await ticks(5);
      expect(flight.started).toEqual([0, 1]); // one call runs, one result waits: 2 held
      calls.get(0)!.resolve(0);
      await until(() => flight.started.length === 4);
      calls.get(3)!.resolve(30);
      calls.get(2)!.resolve(20);
      expect(await result).toEqual([0, 10, 20, 30]);
    });

    for (const ordered of [true, false]) {
      it(`never holds more than \`maxBuffered\` items, whatever order the calls finish in (ordered: ${ordered})`, async () => {
        const maxBuffered = 6;
        const concurrency = 4;
        let delivered = 0;
        let peakHeld = 0; // started, not yet received by the consumer: running + finished waiting
        let peakWaiting = 0; // finished, not yet received by the consumer
        let running = 0;
        let peakRunning = 0;
        let finished = 0;
        const fn = async (n: number): Promise<number> => {
          running++;
          peakRunning = Math.max(peakRunning, running);
          peakHeld = Math.max(peakHeld, n + 1 - delivered); // calls start in input order: n + 1 started
          await ticks(n % 7 === 0 ? 15 : 1 + (n % 3)); // every 7th call is slow
          running--;
          finished++;
          peakWaiting = Math.max(peakWaiting, finished - delivered);
          return n;
        };
        const out: number[] = [];
        for await (const x of op(fn, { concurrency, maxBuffered, ordered })(new Counted(60).async())) {
          out.push(x);
          delivered++;
          await tick(); // a slow consumer
        }
        expect(ordered ? out : [...out].sort((a, b) => a - b)).toEqual(range(60));
        expect(peakRunning).toBe(concurrency);
        expect(peakHeld).toBe(maxBuffered);
        expect(peakWaiting).toBeLessThanOrEqual(maxBuffered);
      });
    }

    it('with ordered: false, starts no call while `maxBuffered` results wait for a consumer that does not ask', async () => {
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const src = new Counted(10);
      const it = op(fn, { concurrency: 2, maxBuffered: 3, ordered: false })(src.async());
      const first = it.next();
      await until(() => flight.started.length === 2);
      calls.get(1)!.resolve(10);
      expect(await first).toEqual({ done: false, value: 10 });
      await until(() => flight.started.length === 3); // call 1's slot is free
      calls.get(0)!.resolve(0);
      calls.get(2)!.resolve(20);
      await ticks(5);
      // 10 (with the consumer until it asks for more), 0 and 20 (finished, waiting) = 3 = maxBuffered
      expect(flight.started).toEqual([0, 1, 2]);
      expect(flight.running).toBe(0); // no call runs, yet none starts
      expect(src.produced).toBe(3);
      expect(await it.next()).toEqual({ done: false, value: 0 }); // asking for more frees one place
      expect(flight.started).toEqual([0, 1, 2, 3]);
      calls.get(3)!.resolve(30);
      await ticks(5);
      expect(flight.started).toEqual([0, 1, 2, 3]);
      expect(src.produced).toBe(4);
      await it.return(undefined);
      expect(src.finallies).toBe(1);
      expect(flight.started).toEqual([0, 1, 2, 3]); // nothing started on the way out
    });

    it('on an error, drops the results buffered behind a slow first item, starts no call, and rejects after the running ones settle', async () => {
      const err = new TestError('call 3 failed');
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const src = new Counted(20);
      const out: number[] = [];
      const result = (async () => {
        for await (const x of op(fn, { concurrency: 2, maxBuffered: 8 })(src.async())) out.push(x);
      })();
      let rejected = false;
      result.catch(() => (rejected = true));
      await until(() => flight.started.length === 2);
      calls.get(1)!.resolve(10);
      await until(() => flight.started.length === 3);
      calls.get(2)!.resolve(20);
      await until(() => flight.started.length === 4);
      calls.get(3)!.reject(err);
      await ticks(5);
      expect(flight.started).toEqual([0, 1, 2, 3]); // the failure stopped new calls (a call slot is free)
      expect(rejected).toBe(false); // call 0 still runs
      calls.get(0)!.resolve(0);
      await expect(result).rejects.toBe(err);
      expect(out).toEqual([]); // nothing after a failure is delivered
      expect(flight.started).toEqual([0, 1, 2, 3]);
      expect(src.produced).toBe(4); // nor is the source read again
      expect(flight.running).toBe(0);
      expect(src.finallies).toBe(1);
    });

    it('reads no further item once a call failed, even when another call finishes in the same tick', async () => {
      const err = new TestError('call 0 failed');
      const flight = new InFlight();
      const { fn, calls } = controlled(flight);
      const src = new Counted(20);
      const result = toArray(op(fn, { concurrency: 2, maxBuffered: 8 })(src.async()));
      await until(() => flight.started.length === 2);
      calls.get(0)!.reject(err);
      calls.get(1)!.resolve(10); // frees a call slot before the loop sees the failure
      await expect(result).rejects.toBe(err);
      expect(flight.started).toEqual([0, 1]);
      expect(src.produced).toBe(2);
      expect(src.finallies).toBe(1);
    });

    it('defaults `maxBuffered` to max(16, 8 × concurrency), and to Infinity with concurrency: Infinity', async () => {
      for (const [concurrency, expected] of [
        [2, 16],
        [4, 32],
        [Infinity, 300], // all of a 300-item source
      ] as const) {
        const slow = deferred<number>();
        let started = 0;
        const fn = (n: number): Promise<number> => (started++, n === 0 ? slow.promise : Promise.resolve(n * 10));
        const result = toArray(op(fn, { concurrency })(new Counted(300).async()));
        await until(() => started === expected);
        await ticks(5);
        expect(started, `concurrency ${concurrency}`).toBe(expected); // call 0 runs, the rest wait behind it
        slow.resolve(0);
        expect(await result).toEqual(range(300).map((n) => n * 10));
      }
    });

    it('checks `maxBuffered` when called: an integer from `concurrency` up, or Infinity', () => {
      const fn = async (n: number) => n;
      let caught: unknown;
      try {
        op(fn, { concurrency: 4, maxBuffered: 0 });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(GenstreamArgumentError);
      expect(caught).toBeInstanceOf(TypeError);
      expect((caught as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      expect((caught as Error).message).toBe(
        `${name}: expected \`options.maxBuffered\` to be a positive integer or Infinity, got \`0\` (number)`,
      );
      expect(() => op(fn, { concurrency: 4, maxBuffered: 8.5 })).toThrow('`options.maxBuffered` to be a positive integer or Infinity, got `8.5` (number)');
      expect(() => op(fn, { concurrency: 4, maxBuffered: '8' })).toThrow('got `"8"` (string)');
      expect(() => op(fn, { concurrency: 4, maxBuffered: -Infinity })).toThrow('got `-Infinity` (number)');
      expect(() => op(fn, { concurrency: 4, maxBuffered: 2 })).toThrow(
        `${name}: expected \`options.maxBuffered\` to be at least \`options.concurrency\` (4), got \`2\` (number)`,
      );
      expect(() => op(fn, { concurrency: Infinity, maxBuffered: 1000 })).toThrow(
        `${name}: expected \`options.maxBuffered\` to be at least \`options.concurrency\` (Infinity), got \`1000\` (number)`,
      );
      expect(() => op(fn, { maxBuffered: 0 })).toThrow(GenstreamArgumentError); // checked without concurrency too
      for (const ok of [{ concurrency: 4, maxBuffered: 4 }, { concurrency: 4, maxBuffered: Infinity }, { concurrency: Infinity, maxBuffered: Infinity }, { maxBuffered: 8 }]) {
        expect(() => op(fn, ok), JSON.stringify(ok)).not.toThrow();
      }
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

  it('counts a result being spread as held until the consumer asks past its last item', async () => {
    const flight = new InFlight();
    const { fn, calls } = controlled(flight);
    const it = flatMap(async (n: number) => [await fn(n), n, n], { concurrency: 2, maxBuffered: 2 })(range(5));
    const first = it.next();
    await until(() => flight.started.length === 2);
    calls.get(0)!.resolve(0);
    calls.get(1)!.resolve(10);
    expect(await first).toEqual({ done: false, value: 0 });
    expect(await it.next()).toEqual({ done: false, value: 0 });
    expect(await it.next()).toEqual({ done: false, value: 0 });
    await ticks(5);
    expect(flight.started).toEqual([0, 1]); // [0, 0, 0] and [10, 1, 1] held: no call starts
    expect(await it.next()).toEqual({ done: false, value: 10 }); // past the spread: a place is free
    expect(flight.started).toEqual([0, 1, 2]);
    const closing = it.return(undefined);
    calls.get(2)!.resolve(20); // leaving waits for it
    await closing;
    expect(flight.running).toBe(0);
    expect(flight.started).toEqual([0, 1, 2]);
  });

  it('returns an async iterable being spread when the consumer stops early', async () => {
    const inner = new Counted();
    const src = new Counted();
    expect(await toArray(pipe(src.async(), flatMap(async () => inner.async(), { concurrency: 2 }), take(3)))).toEqual([0, 1, 2]);
    expect(inner.finallies).toBe(1);
    expect(src.finallies).toBe(1);
  });
});
