/**
 * chain() with the real `stream-chain` package (v4): a genstream chain as a stage of stream-chain's
 * `chain([...])`, and a stream-chain instance as a stage of genstream's `chain(...)`, `pipe()`, `run()`.
 */
import { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import streamChain, { many, none } from 'stream-chain';
import { describe, expect, it } from 'vitest';
import { chain, failedStage, filter, flatMap, map, pipe, run, take, toArray as toArrayOp, toReadable, toWritable, type TypedDuplex } from '../../lib/index.js';
import { FusedDuplex } from '../../lib/internal/fused-duplex.js';
import { collect, Flow, TestError, toArray, until, watchUnhandled } from '../helpers.js';

watchUnhandled();

/**
 * stream-chain's `chain([...])` typed as what it is at runtime, a Duplex. (Its declared output type
 * omits `read`/`push`, so TypeScript does not see it as a Duplex.)
 */
function sc<I, O>(fns: unknown[]): TypedDuplex<I, O> {
  return streamChain(fns as never) as unknown as TypedDuplex<I, O>;
}

/** Feeds `items` into a Duplex with write()/end() and collects its output and its events. */
async function feed(stream: Duplex, items: readonly unknown[]): Promise<{ out: unknown[]; events: string[] }> {
  const out: unknown[] = [];
  const events: string[] = [];
  stream.on('data', (x) => out.push(x));
  stream.on('finish', () => events.push('finish'));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', () => {
      events.push('end');
      resolve();
    });
    stream.on('error', reject);
  });
  for (const item of items) stream.write(item);
  stream.end();
  await ended;
  return { out, events };
}

describe('chain', () => {
  describe('as a stage inside stream-chain', () => {
    it('runs a fused genstream chain between stream-chain functions, to the end', async () => {
      const gs = chain(map((n: number) => n * 10), filter((n) => n !== 20));
      expect(gs).toBeInstanceOf(FusedDuplex);
      const pipelineOfSc = sc([(n: number) => n + 1, gs, (n: number) => many([n, -n])]);
      const { out, events } = await feed(pipelineOfSc, [0, 1, 2, 3]);
      expect(out).toEqual([10, -10, 30, -30, 40, -40]);
      expect(events).toContain('end');
    });

    it('runs a genstream chain with generator and stream stages as the last stage, inside stream.pipeline', async () => {
      const gs = chain(
        async function* pairs(source: AsyncIterable<number>) {
          let last: number | undefined;
          for await (const n of source) {
            if (last !== undefined) yield [last, n];
            last = n;
          }
        },
        map(([a, b]: number[]) => a + b),
      );
      const out: number[] = [];
      await pipeline(Readable.from([1, 2, 3, 4]), sc([(n: number) => n * 2, gs]), collect(out));
      expect(out).toEqual([6, 10, 14]);
    });

    it('passes only what a take() lets through, and still ends, when stream-chain feeds it', async () => {
      const { out, events } = await feed(sc([(n: number) => n, chain(take<number>(2)), (n: number) => n * 100]), [1, 2, 3, 4, 5]);
      expect(out).toEqual([100, 200]);
      expect(events).toContain('end');
    });

    it('surfaces a genstream stage error from the stream-chain instance as the same object', async () => {
      const err = new TestError('genstream stage');
      const gs = chain(
        map((n: number) => n),
        map((n: number) => {
          if (n === 2) throw err;
          return n;
        }),
      );
      const failure = await pipeline(Readable.from([1, 2, 3]), sc([(n: number) => n, gs]), collect([])).catch((e: unknown) => e);
      expect(failure).toBe(err);
      expect(failedStage(err)).toEqual({ index: 1, label: 'map' });
    });
  });

  describe('with a stream-chain instance as a stage', () => {
    it('runs it between operators, dropping what none drops, to the end', async () => {
      const c = chain(
        map((n: number) => n + 1),
        sc<number, number>([(n: number) => n * 2, (n: number) => (n === 6 ? none : n)]),
        map((n: number) => n - 1),
      );
      const events: string[] = [];
      c.on('end', () => events.push('end'));
      const out: number[] = [];
      await pipeline(toReadable([1, 2, 3, 4]), c, collect(out));
      expect(out).toEqual([3, 7, 9]);
      expect(events).toEqual(['end']);
    });

    it('runs it with write()/end() and a stream-chain generator that fans out', async () => {
      const c = chain(
        sc<number, number>([
          function* (n: number) {
            yield n;
            yield n + 0.5;
          },
        ]),
        flatMap((n: number) => (Number.isInteger(n) ? [n] : [])),
      );
      const { out, events } = await feed(c, [1, 2, 3]);
      expect(out).toEqual([1, 2, 3]);
      expect(events.sort()).toEqual(['end', 'finish']);
    });

    it('runs it in pipe() and run()', async () => {
      expect(await toArray(pipe([1, 2, 3], sc<number, number>([(n: number) => n * 3]), map((n: number) => n + 1)))).toEqual([4, 7, 10]);
      expect(await run([1, 2, 3], sc<number, string>([async (n: number) => `#${n}`]), toArrayOp)).toEqual(['#1', '#2', '#3']);
    });

    it('ends early when take() below it stops an infinite genstream source', async () => {
      const flow = new Flow();
      const inner = sc<number, number>([(n: number) => n * 2]);
      const out: number[] = [];
      await pipeline(toReadable(flow.source()), chain(inner, take(3)), collect(out));
      expect(out).toEqual([0, 2, 4]);
      expect(flow.finallies).toBe(1);
      expect(inner.destroyed).toBe(true);
    });

    it('rejects with the same object when a stream-chain function throws, blaming that stage', async () => {
      const err = new TestError('stream-chain function');
      const flow = new Flow();
      const failure = await pipeline(
        toReadable(flow.source()),
        chain(
          map((n: number) => n),
          sc<number, number>([
            (n: number) => {
              if (n === 2) throw err;
              return n;
            },
          ]),
        ),
        toWritable(async (source: AsyncIterable<number>) => {
          for await (const _ of source);
        }),
      ).catch((e: unknown) => e);
      expect(failure).toBe(err);
      expect(failedStage(err)).toEqual({ index: 1, label: 'stream Duplex' });
      await until(() => flow.finallies === 1);
    });

    it('bounds the items in flight with a slow consumer', async () => {
      const flow = new Flow();
      await pipeline(toReadable(flow.source()), chain(sc<number, number>([(n: number) => n]), map((n: number) => n)), toWritable(flow.slowSink(200)));
      expect(flow.consumed).toBe(200);
      // Object-mode buffers of 16: the source; the chain's writable side, its generator inbox and its
      // readable side; stream-chain's outer Duplex and its inner stage (writable + readable each); the
      // sink's buffer and queue. Plus up to 4 items held in hand.
      expect(flow.peak).toBeLessThanOrEqual(10 * 16 + 4);
      expect(flow.finallies).toBe(1);
    });
  });
});
