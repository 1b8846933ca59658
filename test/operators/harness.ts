/**
 * Shared harness for the operator tests: every way an operator can run (plain `for await`, a
 * `stream.pipeline` stage, `fromGen` in a pipeline, `chain()` in a pipeline, `pipe()`), over sync and
 * async sources, and a counting source whose pulls and `finally` are observable.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'vitest';
import { chain, fromGen, pipe, take, tap, toReadable, type AnyIterable } from '../../lib/index.js';
import { collect, toArray } from '../helpers.js';

/** Any operator or generator stage, as the harness sees it. */
export type AnyOp = (source: any) => AsyncIterable<any>;

/** Fails (rejects) instead of hanging when `promise` takes longer than `ms`: a hang guard only. */
export function guard<T>(promise: Promise<T>, ms = 2000, what = 'the result'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An async generator over `items` (yields across a promise boundary each time). */
export async function* asyncOf<T>(items: Iterable<T>): AsyncGenerator<T, void, undefined> {
  for (const x of items) yield x;
}

/** Runs `op` over the source made by `source()` one way, and collects its output. */
export type Way = (op: AnyOp, source: () => AnyIterable<unknown>) => Promise<unknown[]>;

async function throughPipeline(source: Readable, ...stages: unknown[]): Promise<unknown[]> {
  const out: unknown[] = [];
  await (pipeline as (...streams: unknown[]) => Promise<void>)(source, ...stages, collect(out));
  return out;
}

const noop = (): void => {};

/** Every way an operator is used. `chain()`/`pipe()` also run it between fusable neighbours. */
export const WAYS: readonly (readonly [string, Way])[] = [
  ['for await over the operator', (op, source) => toArray(op(source()))],
  ['stream.pipeline stage', (op, source) => throughPipeline(Readable.from(source()), op)],
  ['fromGen in stream.pipeline', (op, source) => throughPipeline(toReadable(source), fromGen(op))],
  ['chain() in stream.pipeline', (op, source) => throughPipeline(toReadable(source), chain(op))],
  ['chain() with fused neighbours', (op, source) => throughPipeline(toReadable(source), chain(tap(noop), op, tap(noop)))],
  ['pipe()', (op, source) => toArray(pipe(source, op))],
  ['pipe() with fused neighbours', (op, source) => toArray(pipe(source, tap(noop), op, tap(noop)))],
];

/** The two kinds of source: a sync iterable (an array) and an async generator. */
export function sourcesOf<T>(items: readonly T[]): readonly (readonly [string, () => AnyIterable<T>])[] {
  return [
    ['sync', () => items],
    ['async', () => asyncOf(items)],
  ];
}

/**
 * Asserts that `makeOp()` turns `input` into `expected` every way, over sync and async sources.
 * A fresh operator is made per run (operators are reusable, but a fresh one keeps runs independent).
 */
export async function expectEverywhere(makeOp: () => AnyOp, input: readonly unknown[], expected: readonly unknown[]): Promise<void> {
  for (const [way, run] of WAYS) {
    for (const [kind, source] of sourcesOf(input)) {
      expect(await run(makeOp(), source), `${way}, ${kind} source`).toEqual(expected);
    }
  }
}

/** Asserts that every way rejects with exactly `err` (the same object) for the source `source()`. */
export async function expectRejectsEverywhere(makeOp: () => AnyOp, source: () => AnyIterable<unknown>, err: unknown): Promise<void> {
  for (const [way, run] of WAYS) {
    let caught: unknown = undefined;
    try {
      await run(makeOp(), source);
    } catch (e) {
      caught = e;
    }
    expect(caught, way).toBe(err);
  }
}

/**
 * A source of 0, 1, 2, ... (`count` items, infinite by default), then throws `error` if one is given.
 * Counts the items produced and how often its `finally` ran.
 */
export class Counted {
  produced = 0;
  finallies = 0;

  constructor(
    readonly count = Infinity,
    readonly error?: unknown,
  ) {}

  *sync(): Generator<number, void, undefined> {
    try {
      for (let i = 0; i < this.count; i++) {
        this.produced++;
        yield i;
      }
      if (this.error !== undefined) throw this.error;
    } finally {
      this.finallies++;
    }
  }

  async *async(): AsyncGenerator<number, void, undefined> {
    try {
      for (let i = 0; i < this.count; i++) {
        this.produced++;
        yield i;
      }
      if (this.error !== undefined) throw this.error;
    } finally {
      this.finallies++;
    }
  }
}

/**
 * Asserts that stopping early runs the source's `finally` exactly once, every way of stopping: a
 * `break` in `for await` over sync and async sources, a downstream `take(1)` in `pipe()`, and a
 * downstream `take(1)` in a `chain()` inside `stream.pipeline`. `makeOp()` must yield at least one item
 * for the source 0, 1, 2, ... (infinite).
 */
export async function expectEarlyExit(makeOp: () => AnyOp): Promise<void> {
  for (const kind of ['sync', 'async'] as const) {
    const src = new Counted();
    for await (const _ of makeOp()(src[kind]())) break;
    expect(src.finallies, `break, ${kind} source`).toBe(1);
  }

  const viaPipe = new Counted();
  expect(await toArray(pipe(viaPipe.async(), makeOp(), take(1)))).toHaveLength(1);
  expect(viaPipe.finallies, 'take(1) in pipe()').toBe(1);

  const viaChain = new Counted();
  const out: unknown[] = [];
  await pipeline(toReadable(() => viaChain.async()), chain(makeOp(), take(1)), collect(out));
  expect(out, 'take(1) in chain()').toHaveLength(1);
  expect(viaChain.finallies, 'take(1) in chain()').toBe(1);
}
