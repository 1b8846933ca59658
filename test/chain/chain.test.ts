import { Duplex, PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TransformStream } from 'node:stream/web';
import { parse } from 'csv-parse';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AlreadyUsedError,
  chain,
  failedStage,
  filter,
  flatMap,
  GenstreamArgumentError,
  map,
  NotIterableError,
  NullValueError,
  take,
  takeWhile,
  toReadable,
  toWritable,
  type ChainStage,
  type StageContext,
  type TypedDuplex,
} from '../../lib/index.js';
import { FusedDuplex } from '../../lib/internal/fused-duplex.js';
import { GenDuplex } from '../../lib/internal/gen-duplex.js';
import { collect, deferred, expectReuseRefused, Flow, TestError, tick, ticks, toArray, until, watchUnhandled, settledError } from '../helpers.js';
import { permutations, STAGE_KINDS, STAGE_LABELS, stageOf, type StageKind } from './stages.js';

watchUnhandled();

/** `chain()` over a runtime list of stages (the typed overloads need a fixed arity). */
const chainOf = chain as (...stages: unknown[]) => Duplex;

/** Runs `input` through `stage` inside `stream.pipeline` and returns what came out. */
async function through<T>(input: readonly unknown[], stage: Duplex): Promise<T[]> {
  const out: T[] = [];
  await pipeline(toReadable(input), stage, collect(out));
  return out;
}

/** A generator stage that passes items on and counts how often its `finally` ran. */
function counted<T>(name = 'counted') {
  const state = { seen: 0, finallies: 0, signal: undefined as AbortSignal | undefined, abortedInFinally: false };
  const stage = {
    async *[name](source: AsyncIterable<T>, ctx: StageContext) {
      state.signal = ctx.signal;
      try {
        for await (const x of source) {
          state.seen++;
          yield x;
        }
      } finally {
        state.finallies++;
        state.abortedInFinally = ctx.signal.aborted;
      }
    },
  }[name];
  return { state, stage };
}

/** Counts the `'error'` events a stream emits (the pipeline must see one error, once). */
function countErrors(stream: NodeJS.EventEmitter): { count: number; errors: unknown[] } {
  const seen = { count: 0, errors: [] as unknown[] };
  stream.on('error', (err) => {
    seen.count++;
    seen.errors.push(err);
  });
  return seen;
}

describe('chain', () => {
  describe('stage kinds', () => {
    // Five different affine steps, so that any change of order changes the result.
    const steps = [(n: number) => n + 1, (n: number) => n * 2, (n: number) => n - 3, (n: number) => n * 5, (n: number) => n + 7];
    const kinds: StageKind[] = ['operator', 'generator', 'factory', 'transform', 'web'];
    const input = Array.from({ length: 20 }, (_, i) => i);

    it('runs an operator, a generator, a stream factory, a Transform and a TransformStream in every order', async () => {
      const orders = permutations(kinds);
      expect(orders).toHaveLength(120);
      for (const order of orders) {
        const out = await through<number>(input, chainOf(...order.map((kind, i) => stageOf(kind, steps[i]))));
        expect(out, order.join(' > ')).toEqual(input.map((n) => steps.reduce((x, f) => f(x), n)));
      }
    });

    it('matches the array model for any list of stage kinds, including repeats and async operators', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...STAGE_KINDS), { minLength: 1, maxLength: 8 }),
          fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 40 }),
          async (stageKinds, items) => {
            const fns = stageKinds.map((_, i) => (n: number) => n * (i % 2 === 0 ? 3 : 1) + i);
            const out = await through<number>(items, chainOf(...stageKinds.map((kind, i) => stageOf(kind, fns[i]))));
            expect(out).toEqual(items.map((n) => fns.reduce((x, f) => f(x), n)));
          },
        ),
        { seed: 4242, numRuns: 60 },
      );
    });

    it('becomes a FusedDuplex when every stage is a fusable operator, and a GenDuplex otherwise', () => {
      expect(chain(map((n: number) => n + 1), filter((n) => n > 0), flatMap((n) => [n, n]), take(3))).toBeInstanceOf(FusedDuplex);
      expect(chain(map((n: number) => n), async function* g(s: AsyncIterable<number>) { yield* s; })).toBeInstanceOf(GenDuplex);
      expect(chain(map((n: number) => n), new PassThrough({ objectMode: true }))).toBeInstanceOf(GenDuplex);
      expect(chain(map((n: number) => n), new TransformStream<number, number>())).toBeInstanceOf(GenDuplex);
      // map with concurrency is its own (generator) stage, not fusable.
      expect(chain(map((n: number) => n, { concurrency: 2 }))).toBeInstanceOf(GenDuplex);
    });

    it("runs csv-parse's parse() between a generator, operators and a TransformStream", async () => {
      const out = await through<{ id: number; name: string }>(
        // The second record is split across two chunks: the parser, not the chunking, decides rows.
        ['id,name\n1,ad', 'a\n2,bob\n', '3,', 'cy\n'],
        chain(
          async function* trim(source: AsyncIterable<string>) {
            for await (const text of source) yield text.replace(/ /g, '');
          },
          parse({ columns: true }) as TypedDuplex<unknown, { id: string; name: string }>,
          map((row: { id: string; name: string }) => ({ id: Number(row.id), name: row.name })),
          new TransformStream<{ id: number; name: string }, { id: number; name: string }>({
            transform(row, controller) {
              controller.enqueue({ ...row, name: row.name.toUpperCase() });
            },
          }),
          filter((row) => row.id !== 2),
        ),
      );
      expect(out).toEqual([
        { id: 1, name: 'ADA' },
        { id: 3, name: 'CY' },
      ]);
    });

    it('uses a factory returning parse() as a new stream per chain', async () => {
      const makeParser = () => parse();
      const a = await through<string[]>(['a,b\n'], chain(makeParser, map((r) => r as string[])));
      const b = await through<string[]>(['c,d\n', 'e,f\n'], chain(makeParser, map((r) => r as string[])));
      expect(a).toEqual([['a', 'b']]);
      expect(b).toEqual([
        ['c', 'd'],
        ['e', 'f'],
      ]);
    });

    it('runs a chain nested inside a chain', async () => {
      const inner = chain(map((n: number) => n * 2), filter((n) => n % 3 !== 0));
      const out = await through<number>([1, 2, 3, 4, 5, 6], chain(map((n: number) => n + 1), inner, map((n: number) => -n)));
      expect(out).toEqual([-4, -8, -10, -14]);
    });

    it('refuses to compose nothing, as stream.compose does: no stage, or only options', () => {
      expect(() => chainOf()).toThrow(GenstreamArgumentError);
      expect(() => chainOf()).toThrow(/^chain: expected at least one stage, got none/);
      expect(() => chainOf({ objectMode: false })).toThrow(/^chain: expected at least one stage, got only options/);
    });

    it('works as a plain Duplex: write(), end() and for await over the readable side', async () => {
      for (const c of [chain(map((n: number) => n * 10)), chain(map((n: number) => n * 10), async function* g(s: AsyncIterable<number>) { yield* s; })]) {
        const events: string[] = [];
        c.on('finish', () => events.push('finish'));
        c.on('end', () => events.push('end'));
        c.write(1);
        c.write(2);
        c.end(3);
        expect(await toArray(c)).toEqual([10, 20, 30]);
        await until(() => events.length === 2);
        expect(events.sort()).toEqual(['end', 'finish']);
      }
    });

    it('emits what a generator stage yields after its loop (a flush) before the end', async () => {
      const out = await through<number[]>(
        [1, 2, 3, 4, 5],
        chain(
          map((n: number) => n * 2),
          async function* pairs(source: AsyncIterable<number>) {
            let pair: number[] = [];
            for await (const n of source) {
              pair.push(n);
              if (pair.length === 2) {
                yield pair;
                pair = [];
              }
            }
            if (pair.length > 0) yield pair;
          },
        ),
      );
      expect(out).toEqual([[2, 4], [6, 8], [10]]);
    });
  });

  describe('fusion is invisible', () => {
    type Op = { kind: 'map' | 'filter' | 'flatMap' | 'take'; k: number };
    const opArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('map', 'filter', 'flatMap', 'take'), k: fc.integer({ min: 0, max: 4 }) });

    /** The operator for `op`; `index` is used so that per-stage counting is checked too. */
    function operator(op: Op): ChainStage<number, number> {
      switch (op.kind) {
        case 'map':
          return map((n: number, i: number) => n * 2 + i + op.k);
        case 'filter':
          return filter((n: number, i: number) => (n + i + op.k) % 3 !== 0);
        case 'flatMap':
          return flatMap((n: number) => Array.from({ length: op.k % 3 }, (_, j) => n + j));
        case 'take':
          return take<number>(op.k + 2);
      }
    }

    function model(ops: Op[], items: number[]): number[] {
      let xs = items;
      for (const op of ops) {
        if (op.kind === 'map') xs = xs.map((n, i) => n * 2 + i + op.k);
        else if (op.kind === 'filter') xs = xs.filter((n, i) => (n + i + op.k) % 3 !== 0);
        else if (op.kind === 'flatMap') xs = xs.flatMap((n) => Array.from({ length: op.k % 3 }, (_, j) => n + j));
        else xs = xs.slice(0, op.k + 2);
      }
      return xs;
    }

    it('gives the same output fused in one chain as with each operator its own pipeline stage', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 30 }), async (ops, items) => {
          const separate: number[] = [];
          // Each operator is a generator function stage of its own: one stream boundary per operator.
          await (pipeline as (...args: unknown[]) => Promise<void>)(toReadable(items), ...ops.map(operator), collect(separate));
          const fused = await through<number>(items, chainOf(...ops.map(operator)));
          expect(fused).toEqual(separate);
          expect(fused).toEqual(model(ops, items));
        }),
        { seed: 7, numRuns: 80 },
      );
    });

    it('lets the stages after a take() handle the last item it passes on (a flatMap spreads it whole)', async () => {
      expect(await through([5, 6, 7], chain(take<number>(1), flatMap((n: number) => [n, n, n])))).toEqual([5, 5, 5]);
      expect(await through([1, 2, 3], chain(take<number>(2), takeWhile(() => true)))).toEqual([1, 2]);
      // ...while a flatMap before the take() stops spreading, and its input is not read further.
      const called: number[] = [];
      const c = chain(
        flatMap((n: number) => (called.push(n), [n, n, n])),
        take(4),
        flatMap(async (n: number) => [n, -n]),
      );
      expect(await through([1, 2, 3], c)).toEqual([1, -1, 1, -1, 1, -1, 2, -2]);
      expect(called).toEqual([1, 2]);
    });

    it('keeps input order with async per-item functions, one call in flight at a time', async () => {
      let running = 0;
      let maxRunning = 0;
      // Earlier items wait longer: only sequential calls can keep them in order.
      const slow = async <T>(n: number, value: T): Promise<T> => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await ticks(10 - (n % 10));
        running--;
        return value;
      };
      const items = Array.from({ length: 30 }, (_, i) => i);
      const c = chain(
        map((n: number) => slow(n, n * 2)),
        filter((n: number) => slow(n, n % 4 !== 0)),
        flatMap((n: number) => slow(n, [n, -n])),
        map((n: number) => slow(Math.abs(n), n + 1)),
      );
      expect(c).toBeInstanceOf(FusedDuplex);
      const out = await through<number>(items, c);
      expect(out).toEqual(
        items
          .map((n) => n * 2)
          .filter((n) => n % 4 !== 0)
          .flatMap((n) => [n, -n])
          .map((n) => n + 1),
      );
      expect(maxRunning).toBe(1);
    });
  });

  describe('early exit', () => {
    it('resolves the pipeline when take(5) in the middle of a fused group stops an infinite genstream source', async () => {
      const flow = new Flow();
      const c = chain(map((n: number) => n * 2), take(5), map((n: number) => n + 1));
      expect(c).toBeInstanceOf(FusedDuplex);
      const events: string[] = [];
      c.on('end', () => events.push('end'));
      const out: number[] = [];
      await pipeline(toReadable(flow.source()), c, collect(out));
      expect(out).toEqual([1, 3, 5, 7, 9]);
      expect(flow.finallies).toBe(1);
      // Nothing is read ahead past the source's readable buffer (16) and the item being produced.
      expect(flow.produced).toBeLessThanOrEqual(5 + 16 + 1);
      expect(events).toEqual(['end']);
    });

    it('resolves the pipeline when a generator stage of a mixed chain returns early', async () => {
      const flow = new Flow();
      const first = counted<number>('first');
      let after = 0;
      const c = chain(
        first.stage,
        map((n: number) => n * 10),
        async function* three(source: AsyncIterable<number>) {
          let i = 0;
          try {
            for await (const n of source) {
              yield n;
              if (++i === 3) return;
            }
          } finally {
            after++;
          }
        },
        map((n: number) => n + 1),
      );
      const out: number[] = [];
      await pipeline(toReadable(flow.source()), c, collect(out));
      expect(out).toEqual([1, 11, 21]);
      expect(after).toBe(1);
      expect(first.state.finallies).toBe(1);
      expect(flow.finallies).toBe(1);
      // A graceful stop is not an abort: the stage finished before its signal could abort.
      expect(first.state.abortedInFinally).toBe(false);
    });

    it('resolves the pipeline when take() stops below a real stream stage', async () => {
      const flow = new Flow();
      const middle = new PassThrough({ objectMode: true }) as TypedDuplex<number, number>;
      const out: number[] = [];
      await pipeline(toReadable(flow.source()), chain(map((n: number) => n * 2), middle, take<number>(4), map((n: number) => n + 1)), collect(out));
      expect(out).toEqual([1, 3, 5, 7]);
      expect(flow.finallies).toBe(1);
      expect(middle.destroyed).toBe(true);
    });

    it('ends the source of the generator stage below a take() so its after-loop code runs', async () => {
      const flow = new Flow();
      const out: unknown[] = [];
      await pipeline(
        toReadable(flow.source()),
        chain(
          take<number>(3),
          async function* withTrailer(source: AsyncIterable<number>) {
            for await (const n of source) yield n;
            yield 'trailer';
          },
        ),
        collect(out),
      );
      expect(out).toEqual([0, 1, 2, 'trailer']);
      expect(flow.finallies).toBe(1);
    });

    it('resolves with take(0) without ever starting the infinite genstream source', async () => {
      const flow = new Flow();
      const out: unknown[] = [];
      await pipeline(toReadable(flow.source()), chain(take(0)), collect(out));
      expect(out).toEqual([]);
      // The source is asked to stop as soon as it is piped in, before its first pull: its body never
      // ran, so there is no `finally` to run.
      expect(flow.produced).toBe(0);
      expect(flow.finallies).toBe(0);
    });

    it('drains a foreign (non-genstream) upstream after an early stop: its items are accepted and dropped', async () => {
      let produced = 0;
      let finallies = 0;
      const foreign = Readable.from(
        (function* () {
          try {
            for (let i = 0; i < 50; i++) {
              produced++;
              yield i;
            }
          } finally {
            finallies++;
          }
        })(),
      );
      const out: number[] = [];
      await pipeline(foreign, chain(map((n: number) => n), take(3)), collect(out));
      expect(out).toEqual([0, 1, 2]);
      expect(produced).toBe(50);
      expect(finallies).toBe(1);
    });

    it('ends its readable side after take() when used with .pipe() instead of pipeline', async () => {
      const flow = new Flow();
      const c = chain(map((n: number) => n), take(5));
      toReadable(flow.source()).pipe(c);
      expect(await toArray(c)).toEqual([0, 1, 2, 3, 4]);
      await until(() => flow.finallies === 1);
    });
  });

  describe('errors', () => {
    const positions = [0, 1, 2];
    const cases = STAGE_KINDS.flatMap((kind) =>
      positions.flatMap((at) => (['operator', 'generator'] as const).map((others) => ({ kind, at, others }))),
    );

    it.each(cases)('rejects once with the same object when a $kind stage at $at fails (other stages: $others)', async ({ kind, at, others }) => {
      const err = new TestError(`${kind} at ${at}`);
      const stages = positions.map((i) =>
        stageOf(i === at ? kind : others, (n) => {
          if (i === at && n === 3) throw err;
          return n;
        }),
      );
      const flow = new Flow();
      const c = chainOf(...stages);
      const errors = countErrors(c);
      let rejections = 0;
      const failure = await pipeline(toReadable(flow.source()), c, collect([])).then(
        () => undefined,
        (e: unknown) => {
          rejections++;
          return e;
        },
      );
      expect(failure).toBe(err);
      expect(rejections).toBe(1);
      expect(failedStage(err)).toEqual({ index: at, label: STAGE_LABELS[kind] });
      expect(errors.count).toBe(1);
      expect(errors.errors[0]).toBe(err);
      await until(() => flow.finallies === 1);
      await ticks(3);
      expect(flow.finallies).toBe(1);
    });

    it('passes a source error through unchanged, with no stage blamed, and runs the stages’ finally', async () => {
      const err = new TestError('source');
      const stage = counted<number>();
      const c = chain(map((n: number) => n), stage.stage, map((n: number) => n));
      const failure = await pipeline(
        toReadable(async function* () {
          yield 1;
          yield 2;
          throw err;
        }),
        c,
        collect([]),
      ).catch((e: unknown) => e);
      expect(failure).toBe(err);
      expect(failedStage(err)).toBeUndefined();
      await until(() => stage.state.finallies === 1);
      expect(stage.state.signal?.aborted).toBe(true);
    });

    it.each(['a fused operator', 'a generator stage'])(
      'does not blame %s (the first stage) for a source error it passes on',
      async (first) => {
        const err = new TestError('source');
        const stage = counted<number>();
        const head = first === 'a fused operator' ? map((n: number) => n) : counted<number>('head').stage;
        const failure = await pipeline(
          toReadable(async function* () {
            yield 1;
            await tick();
            throw err;
          }),
          chain(head, stage.stage),
          collect([]),
        ).catch((e: unknown) => e);
        expect(failure).toBe(err);
        expect(failedStage(err)).toBeUndefined();
      },
    );

    it('does not blame a stage for the error the chain is destroyed with', async () => {
      const err = new TestError('from outside');
      const stage = counted<number>();
      const c = chain(stage.stage, map((n: number) => n));
      const errors = countErrors(c);
      c.resume();
      c.write(1);
      await ticks(3);
      c.destroy(err);
      await until(() => stage.state.finallies === 1);
      expect(errors.errors).toEqual([err]);
      expect(failedStage(err)).toBeUndefined();
    });

    it('runs every stage’s finally when the sink fails', async () => {
      const err = new TestError('sink');
      const a = counted<number>('a');
      const b = counted<number>('b');
      const flow = new Flow();
      const failure = await pipeline(
        toReadable(flow.source()),
        chain(a.stage, map((n: number) => n), new PassThrough({ objectMode: true }) as TypedDuplex<number, number>, b.stage),
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const n of source) if (n === 5) throw err;
        }),
      ).catch((e: unknown) => e);
      expect(failure).toBe(err);
      expect(failedStage(err)).toBeUndefined();
      await until(() => a.state.finallies === 1 && b.state.finallies === 1 && flow.finallies === 1);
      expect(a.state.signal?.aborted).toBe(true);
    });

    it('fails with a NotIterableError naming the stage when a stage function returns a non-iterable', async () => {
      const c = chainOf(map((n: number) => n), function broken() {
        return 42;
      });
      const failure = await through([1], c).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(NotIterableError);
      expect((failure as NotIterableError).code).toBe('ERR_GENSTREAM_NOT_ITERABLE');
      expect(failedStage(failure)).toEqual({ index: 1, label: 'generator "broken"' });
    });

    it('fails with the same object when a stream factory throws', async () => {
      const err = new TestError('factory');
      const c = chain(map((n: number) => n), function makeStream(): Duplex {
        throw err;
      });
      expect(await through([1], c).catch((e: unknown) => e)).toBe(err);
      expect(failedStage(err)).toEqual({ index: 1, label: 'generator "makeStream"' });
    });

    it('fails with a NullValueError when the last fused operator produces null', async () => {
      for (const c of [chain(map((n: number) => n), map(() => null)), chain(async function* g(s: AsyncIterable<number>) { yield* s; }, map(() => null))]) {
        const failure = await through([1, 2], c).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(NullValueError);
        expect((failure as NullValueError).code).toBe('ERR_GENSTREAM_NULL_VALUE');
      }
    });
  });

  describe('destroy mid-flight', () => {
    const middles: Record<string, () => unknown[]> = {
      'no stream stage': () => [],
      'a Transform stage': () => [new PassThrough({ objectMode: true })],
      'a TransformStream stage': () => [new TransformStream()],
    };

    it.each(Object.keys(middles))('runs every generator stage’s finally and aborts ctx.signal (%s)', async (name) => {
      const flow = new Flow();
      const a = counted<number>('a');
      const b = counted<number>('b');
      const c = chainOf(a.stage, map((n: number) => n + 1), ...middles[name](), b.stage);
      let received = 0;
      const failure = await pipeline(
        toReadable(flow.source()),
        c,
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const _ of source) {
            received++;
            await flow.consume();
            if (flow.consumed === 10) c.destroy();
          }
        }),
      ).catch((e: unknown) => e);
      expect((failure as { code?: string }).code).toBe('ERR_STREAM_PREMATURE_CLOSE');
      await until(() => a.state.finallies === 1 && b.state.finallies === 1 && flow.finallies === 1);
      expect(a.state.signal).toBe(b.state.signal);
      expect(a.state.signal?.aborted).toBe(true);
      expect(a.state.abortedInFinally).toBe(true);
      // The sink receives nothing more once the pipeline has failed.
      const seen = received;
      await ticks(5);
      expect(received).toBe(seen);
    });

    it('aborts ctx.signal with the destroy error, so a stage waiting on it runs its finally', async () => {
      const err = new TestError('destroyed');
      let finallies = 0;
      let signal: AbortSignal | undefined;
      const c = chain(map((n: number) => n), async function* waits(source: AsyncIterable<number>, ctx: StageContext) {
        signal = ctx.signal;
        try {
          for await (const n of source) {
            // Waits for something that only the abort settles.
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
            yield n;
          }
        } finally {
          finallies++;
        }
      });
      const errors = countErrors(c);
      c.write(1);
      await ticks(3);
      expect(signal?.aborted).toBe(false);
      c.destroy(err);
      await until(() => finallies === 1);
      expect(signal?.reason).toBe(err);
      await ticks(3);
      expect(errors.errors).toEqual([err]);
      expect(finallies).toBe(1);
    });

    it('runs a generator stage’s finally when destroyed right after the first write, with nobody reading', async () => {
      const stage = counted<number>();
      const c = chain(stage.stage, map((n: number) => n));
      c.write(1);
      c.destroy();
      await until(() => stage.state.finallies === 1);
      expect(stage.state.signal?.aborted).toBe(true);
    });

    it('drops the result of an async operator that settles after the fused chain was destroyed', async () => {
      const pending = deferred<number>();
      const c = chain(map((_: number) => pending.promise), map((n: number) => n + 1));
      expect(c).toBeInstanceOf(FusedDuplex);
      const data: unknown[] = [];
      c.on('data', (x) => data.push(x));
      const closed = new Promise((resolve) => c.on('close', resolve));
      c.write(1);
      await tick();
      c.destroy();
      await closed;
      pending.resolve(5);
      await ticks(3);
      expect(data).toEqual([]);
    });
  });

  describe('backpressure', () => {
    // Buffers between the source generator and the slow consumer, in items (object mode, Node's
    // default high-water mark of 16 everywhere): the toReadable source buffer (16), the chain's
    // writable buffer (16) and readable buffer (16), and the toWritable sink's buffer (16) plus its
    // queue for the sink function (16). Plus the item being produced and the one being consumed.
    const HWM = 16;

    it('bounds the items in flight across a fused group with a slow consumer', async () => {
      const flow = new Flow();
      const c = chain(map((n: number) => n + 1), filter(() => true), map((n: number) => n - 1));
      expect(c).toBeInstanceOf(FusedDuplex);
      await pipeline(toReadable(flow.source()), c, toWritable(flow.slowSink(300)));
      expect(flow.consumed).toBe(300);
      expect(flow.peak).toBeLessThanOrEqual(5 * HWM + 2);
      expect(flow.finallies).toBe(1);
    });

    it('stops pulling the source while the consumer stalls (fused group)', async () => {
      const flow = new Flow();
      const stall = deferred();
      const c = chain(map((n: number) => n), filter(() => true));
      const done = pipeline(
        toReadable(flow.source()),
        c,
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const _ of source) await stall.promise;
        }),
      ).catch((e: unknown) => e);
      await ticks(20);
      const plateau = flow.produced;
      expect(plateau).toBeGreaterThan(0);
      expect(plateau).toBeLessThanOrEqual(5 * HWM + 2);
      await ticks(20);
      expect(flow.produced).toBe(plateau);
      c.destroy();
      stall.resolve();
      await done;
      await until(() => flow.finallies === 1);
    });

    it('bounds the items in flight across a real stream stage with a slow consumer', async () => {
      const flow = new Flow();
      // A PassThrough with highWaterMark 4 has a 4-item writable and a 4-item readable buffer.
      const c = chain(map((n: number) => n + 1), new PassThrough({ objectMode: true, highWaterMark: 4 }) as TypedDuplex<number, number>, map((n: number) => n - 1));
      expect(c).toBeInstanceOf(GenDuplex);
      await pipeline(toReadable(flow.source()), c, toWritable(flow.slowSink(300)));
      expect(flow.consumed).toBe(300);
      // Source (16) + chain writable buffer (16) and its generator inbox (16) + PassThrough (4 + 4) +
      // chain readable buffer (16) + sink buffer and queue (16 + 16), plus up to 4 items held in hand
      // (the operator loops, the stream reader, the consumer).
      expect(flow.peak).toBeLessThanOrEqual(6 * HWM + 2 * 4 + 4);
      expect(flow.finallies).toBe(1);
    });
  });

  describe('invalid stages', () => {
    const used = new PassThrough();
    chain(used);
    const destroyed = new PassThrough();
    destroyed.destroy();
    const ended = new PassThrough();
    ended.end();
    const locked = new TransformStream();
    locked.writable.getWriter();
    const usedWeb = new TransformStream();
    chain(usedWeb);

    const cases: { name: string; stage: unknown; got: string; what: RegExp }[] = [
      { name: 'a number', stage: 1, got: '`1` (number)', what: /must be a generator function, an operator/ },
      { name: 'a plain object', stage: { a: 1 }, got: 'an object (Object)', what: /must be a generator function/ },
      { name: 'null', stage: null, got: '`null`', what: /must be a generator function/ },
      { name: 'a string', stage: 'map', got: '`"map"` (string)', what: /is a source .* can only come first \(chain\(\)'s first argument\)/ },
      { name: 'an array of stages', stage: [map((n: number) => n)], got: 'an array (length 1)', what: /is a source/ },
      { name: 'a Readable-only stream', stage: new Readable({ read() {} }), got: 'an object (Readable)', what: /is a source \(it has no writable side\)/ },
      { name: 'an async function (a sink)', stage: async () => {}, got: 'function `stage`', what: /is an async function, which consumes its source: only the last argument of chain\(\) can be such a sink/ },
      { name: 'a Writable-only stream', stage: new Writable({ write: (_c, _e, cb) => cb() }), got: 'an object (Writable)', what: /without a readable side/ },
      { name: 'a stream already given to another chain', stage: used, got: 'an object (PassThrough)', what: /already used by another chain/ },
      { name: 'a destroyed stream', stage: destroyed, got: 'an object (PassThrough)', what: /already destroyed or ended/ },
      { name: 'an ended stream', stage: ended, got: 'an object (PassThrough)', what: /already destroyed or ended/ },
      { name: 'a locked TransformStream', stage: locked, got: 'an object (TransformStream)', what: /TransformStream that is already in use/ },
      { name: 'a TransformStream given to another chain', stage: usedWeb, got: 'an object (TransformStream)', what: /TransformStream that is already in use/ },
    ];

    it.each(cases)('throws a TypeError at call time naming stage 1 and what it got: $name', ({ stage, got, what }) => {
      let thrown: unknown;
      try {
        chainOf(map((n: number) => n), stage, map((n: number) => n));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown).toBeInstanceOf(GenstreamArgumentError);
      expect((thrown as GenstreamArgumentError).code).toBe('ERR_GENSTREAM_INVALID_ARG');
      expect((thrown as Error).message).toMatch(/^chain: stage 1 /);
      expect((thrown as Error).message).toMatch(what);
      expect((thrown as Error).message).toContain(`got ${got}`);
    });

    it('rejects the same stream instance twice in one call, naming the second position', () => {
      const pt = new PassThrough();
      expect(() => chain(pt, map((n: unknown) => n), pt)).toThrow(/^chain: stage 2 is a stream instance that appears twice in this call/);
    });

    it('does not claim the valid streams of a call that throws', async () => {
      const pt = new PassThrough({ objectMode: true });
      expect(() => chainOf(pt, 42)).toThrow(GenstreamArgumentError);
      expect(await through([1, 2], chain(pt))).toEqual([1, 2]);
    });

    it('calls no stage function and no factory after the first argument at call time', () => {
      let calls = 0;
      const count = () => {
        calls++;
        return new PassThrough();
      };
      chain(map((n: number) => n), count, async function* g(s: AsyncIterable<unknown>) {
        calls++;
        yield* s;
      });
      expect(() => chainOf(map((n: number) => n), count, 42)).toThrow(GenstreamArgumentError);
      expect(calls).toBe(0);
    });

    it('calls a first argument without parameters once at call time, to tell a stream factory from a source', async () => {
      let calls = 0;
      const made: PassThrough[] = [];
      const factory = (): TypedDuplex<number, number> => {
        calls++;
        const p = new PassThrough({ objectMode: true });
        made.push(p);
        return p;
      };
      const c = chain(factory, map((n: number) => n + 1));
      expect(calls).toBe(1);
      expect(await through([1, 2], c)).toEqual([2, 3]);
      expect(calls).toBe(1);
      expect(made[0].destroyed || made[0].writableFinished).toBe(true);
      expect(() => chainOf(() => 42, map((n: number) => n))).toThrow(
        /^chain: stage 0 is a function without parameters, so it was called as a source or stream factory; it returned `42` \(number\)/,
      );
    });
  });

  it('is usable where a Transform is expected (instanceof Duplex)', () => {
    expect(chain(map((n: number) => n))).toBeInstanceOf(Duplex);
    expect(chain(new Transform({ objectMode: true, transform: (c, _e, cb) => cb(null, c) }))).toBeInstanceOf(Duplex);
  });
});

describe('failedStage', () => {
  it('is undefined for values that no stage raised, and for non-objects', () => {
    expect(failedStage(new Error('not from a stage'))).toBeUndefined();
    expect(failedStage('a string')).toBeUndefined();
    expect(failedStage(42)).toBeUndefined();
    expect(failedStage(null)).toBeUndefined();
    expect(failedStage(undefined)).toBeUndefined();
  });

  it('leaves the error object untouched (no property added, message and stack unchanged)', async () => {
    const err = new TestError('untouched');
    const before = { keys: Reflect.ownKeys(err), message: err.message, stack: err.stack };
    const failure = await through(
      [1],
      chain(map(() => {
        throw err;
      })),
    ).catch((e: unknown) => e);
    expect(failure).toBe(err);
    expect(Reflect.ownKeys(err)).toEqual(before.keys);
    expect(err.message).toBe(before.message);
    expect(err.stack).toBe(before.stack);
    expect(failedStage(err)).toEqual({ index: 0, label: 'map' });
  });

  it('works for a thrown plain object', async () => {
    const thrown = { reason: 'not an Error' };
    const failure = await through(
      [1, 2],
      chain(map((n: number) => n), filter((n: number) => {
        if (n === 2) throw thrown;
        return true;
      })),
    ).catch((e: unknown) => e);
    expect(failure).toBe(thrown);
    expect(failedStage(thrown)).toEqual({ index: 1, label: 'filter' });
  });

  it('works for a frozen error object', async () => {
    const frozen = Object.freeze(new TestError('frozen'));
    expect(
      await through(
        [1],
        chain(map((n: number) => n), async function* g() {
          yield 1;
          throw frozen;
        }),
      ).catch((e: unknown) => e),
    ).toBe(frozen);
    expect(failedStage(frozen)).toEqual({ index: 1, label: 'generator "g"' });
  });

  it('reports the stage where an error started, not a later stage that rethrew it', async () => {
    const err = new TestError('origin');
    const caught: unknown[] = [];
    const c = chain(
      map((n: number) => {
        if (n === 2) throw err;
        return n;
      }),
      async function* rethrows(source: AsyncIterable<number>) {
        try {
          for await (const n of source) yield n;
        } catch (e) {
          caught.push(e);
          throw e;
        }
      },
      new PassThrough({ objectMode: true }) as TypedDuplex<number, number>,
      map((n: number) => n),
    );
    expect(await through([1, 2, 3], c).catch((e: unknown) => e)).toBe(err);
    expect(caught).toEqual([err]);
    expect(failedStage(err)).toEqual({ index: 0, label: 'map' });
  });
});

describe('chain() at the edges', () => {
  it('names the stage index and label of a null yielded out of the chain, and failedStage finds it', async () => {
    const err = await pipeline(
      toReadable([1, 2]),
      chain(
        map((n: number) => n),
        async function* nulls(source: AsyncIterable<number>) {
          for await (const _ of source) yield null as unknown as number;
        },
      ),
      collect([]),
    ).then(...settledError);
    expect(err).toBeInstanceOf(NullValueError);
    expect((err as Error).message).toMatch(/^chain: stage 1 \(generator "nulls"\) yielded null or undefined/);
    expect(failedStage(err)).toEqual({ index: 1, label: 'generator "nulls"' });
  });

  it('names the last fused stage when a fused chain yields null', async () => {
    const err = await pipeline(
      toReadable([1]),
      chain(
        filter(() => true),
        map(() => null),
      ),
      collect([]),
    ).then(...settledError);
    expect(err).toBeInstanceOf(NullValueError);
    expect((err as Error).message).toMatch(/^chain: stage 1 \(map\) yielded null/);
    expect(failedStage(err)).toEqual({ index: 1, label: 'map' });
  });

  it('refuses an async function before the last position at call time, naming its position', () => {
    const consume = async (source: AsyncIterable<number>) => {
      for await (const _ of source) void _;
    };
    expect(() => chainOf(consume, map((n: number) => n))).toThrow(GenstreamArgumentError);
    expect(() => chainOf(map((n: number) => n), consume, map((n: number) => n))).toThrow(/^chain: stage 1 is an async function/);
  });

  it('gives a for await consumer the items a fused chain produced before a step threw', async () => {
    const err = new TestError('at 3');
    const c = chain(
      map((n: number) => {
        if (n === 3) throw err;
        return n;
      }),
    );
    toReadable([1, 2, 3, 4]).pipe(c);
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const x of c) got.push(x);
      })(),
    ).rejects.toBe(err);
    expect(got).toEqual([1, 2]);
  });

  it('fails a second pipeline with AlreadyUsedError (fused and generator chains)', async () => {
    for (const c of [
      chain(map((n: number) => n)),
      chain(async function* g(s: AsyncIterable<number>) {
        yield* s;
      }),
    ]) {
      await pipeline(toReadable([1]), c, collect([]));
      const err = await pipeline(toReadable([2]), c, collect([])).then(...settledError);
      expectReuseRefused(err, AlreadyUsedError);
    }
  });
});
