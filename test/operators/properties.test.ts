/**
 * Property tests: for random integer arrays and random sequences of operators, genstream's output
 * equals a plain-array reference model built from Array.prototype methods — through chain() inside
 * stream.pipeline, through stream.pipeline with each operator as its own fromGen() stage, through
 * plain `for await` over pipe(), and through operators applied to each other directly.
 */
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batch,
  chain,
  drop,
  dropWhile,
  enumerate,
  filter,
  flatMap,
  fromGen,
  map,
  pipe,
  scan,
  take,
  takeWhile,
  toReadable,
} from '../../lib/index.js';
import { collect, toArray, watchUnhandled } from '../helpers.js';
import { asyncOf, guard, type AnyOp } from './harness.js';

watchUnhandled();

/** A generated operator, as plain data (so fast-check prints a counterexample readably). */
type OpSpec =
  | { op: 'map'; k: number; c: number }
  | { op: 'filter'; m: number; r: number }
  | { op: 'flatMap'; shape: 'pair' | 'none' | 'pairIfEven' }
  | { op: 'take'; n: number }
  | { op: 'drop'; n: number }
  | { op: 'takeWhile'; t: number }
  | { op: 'dropWhile'; t: number }
  | { op: 'scan' }
  | { op: 'enumerate' }
  | { op: 'batch'; n: number };

const small = (min: number, max: number) => fc.integer({ min, max });

const opSpec: fc.Arbitrary<OpSpec> = fc.oneof(
  fc.record({ op: fc.constant('map' as const), k: small(-3, 3), c: small(-10, 10) }),
  small(1, 4).chain((m) => fc.record({ op: fc.constant('filter' as const), m: fc.constant(m), r: small(0, m - 1) })),
  fc.record({ op: fc.constant('flatMap' as const), shape: fc.constantFrom('pair' as const, 'none' as const, 'pairIfEven' as const) }),
  fc.record({ op: fc.constant('take' as const), n: small(0, 8) }),
  fc.record({ op: fc.constant('drop' as const), n: small(0, 8) }),
  fc.record({ op: fc.constant('takeWhile' as const), t: small(-15, 25) }),
  fc.record({ op: fc.constant('dropWhile' as const), t: small(-15, 25) }),
  fc.constant({ op: 'scan' as const }),
  fc.constant({ op: 'enumerate' as const }),
  fc.record({ op: fc.constant('batch' as const), n: small(1, 4) }),
);

const input = fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 30 });
const specs = fc.array(opSpec, { minLength: 1, maxLength: 6 });

/** `f` itself, or (for the async variant) a function returning a promise of its result. */
function lift<A extends unknown[], R>(f: (...args: A) => R, async: boolean): (...args: A) => R | Promise<R> {
  return async ? (...args: A) => Promise.resolve(f(...args)) : f;
}

const mod = (x: number, m: number): number => ((x % m) + m) % m;

/** The index of the first item that fails `x < t`, or the length. */
const firstNotBelow = (xs: number[], t: number): number => {
  const i = xs.findIndex((x) => !(x < t));
  return i < 0 ? xs.length : i;
};

/** The genstream operators for `spec` (per-item functions async when `async`), and its array model. */
function build(spec: OpSpec, async: boolean): { ops: AnyOp[]; model: (xs: number[]) => number[] } {
  switch (spec.op) {
    case 'map': {
      const f = (x: number): number => x * spec.k + spec.c;
      return { ops: [map(lift(f, async))], model: (xs) => xs.map(f) };
    }
    case 'filter': {
      const f = (x: number): boolean => mod(x, spec.m) === spec.r;
      return { ops: [filter(lift(f, async))], model: (xs) => xs.filter(f) };
    }
    case 'flatMap': {
      const f =
        spec.shape === 'pair'
          ? (x: number): number[] => [x, x + 1]
          : spec.shape === 'none'
            ? (): number[] => []
            : (x: number): number[] => (mod(x, 2) === 0 ? [x, x + 1] : []);
      return { ops: [flatMap(lift(f, async))], model: (xs) => xs.flatMap(f) };
    }
    case 'take':
      return { ops: [take(spec.n)], model: (xs) => xs.slice(0, spec.n) };
    case 'drop':
      return { ops: [drop(spec.n)], model: (xs) => xs.slice(spec.n) };
    case 'takeWhile': {
      const f = (x: number): boolean => x < spec.t;
      return { ops: [takeWhile(lift(f, async))], model: (xs) => xs.slice(0, firstNotBelow(xs, spec.t)) };
    }
    case 'dropWhile': {
      const f = (x: number): boolean => x < spec.t;
      return { ops: [dropWhile(lift(f, async))], model: (xs) => xs.slice(firstNotBelow(xs, spec.t)) };
    }
    case 'scan': {
      const f = (acc: number, x: number): number => acc + x;
      return {
        ops: [scan(lift(f, async), 0)],
        model: (xs) => {
          let acc = 0;
          return xs.map((x) => (acc = f(acc, x)));
        },
      };
    }
    case 'enumerate': {
      // enumerate(), then map the [index, item] pair back to a number that depends on both.
      const back = ([i, x]: [number, number]): number => x + 100 * i;
      return { ops: [enumerate(), map(lift(back, async))], model: (xs) => xs.map((x, i) => x + 100 * i) };
    }
    case 'batch': {
      // batch(n), then flatten back, marking each batch's end with its length so boundaries show.
      const spread = (b: number[]): number[] => [...b, 1000 * b.length];
      return {
        ops: [batch(spec.n), flatMap(lift(spread, async))],
        model: (xs) => {
          const chunks: number[][] = [];
          for (let i = 0; i < xs.length; i += spec.n) chunks.push(xs.slice(i, i + spec.n));
          return chunks.flatMap(spread);
        },
      };
    }
  }
}

function compile(list: OpSpec[], async: boolean): { ops: AnyOp[]; model: (xs: number[]) => number[] } {
  const built = list.map((s) => build(s, async));
  return {
    ops: built.flatMap((b) => b.ops),
    model: (xs) => built.reduce((acc, b) => b.model(acc), xs),
  };
}

type Streams = (...streams: unknown[]) => Promise<void>;

async function viaChain(xs: number[], ops: AnyOp[]): Promise<unknown[]> {
  const out: unknown[] = [];
  await (pipeline as Streams)(toReadable(xs), (chain as (...stages: unknown[]) => unknown)(...ops), collect(out));
  return out;
}

async function viaFromGen(xs: number[], ops: AnyOp[]): Promise<unknown[]> {
  const out: unknown[] = [];
  await (pipeline as Streams)(toReadable(xs), ...ops.map((op) => fromGen(op)), collect(out));
  return out;
}

async function viaPipe(xs: number[], ops: AnyOp[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of (pipe as (source: unknown, ...stages: unknown[]) => AsyncIterable<unknown>)(xs, ...ops)) out.push(x);
  return out;
}

async function viaNesting(xs: number[], ops: AnyOp[]): Promise<unknown[]> {
  let source: AsyncIterable<unknown> = asyncOf(xs);
  for (const op of ops) source = op(source);
  return toArray(source);
}

const WAYS = [
  ['chain() in stream.pipeline', viaChain],
  ['stream.pipeline with fromGen(op) stages', viaFromGen],
  ['for await over pipe()', viaPipe],
  ['for await over op(op(source))', viaNesting],
] as const;

async function check(xs: number[], list: OpSpec[], async: boolean): Promise<void> {
  const { ops, model } = compile(list, async);
  const expected = model(xs);
  for (const [way, run] of WAYS) {
    // A hang becomes a failing case fast-check can shrink, instead of a test timeout.
    expect(await guard(run(xs, ops), 2000, `output ${way}`), way).toEqual(expected);
  }
}

/**
 * Seeded, so the suite is deterministic: `FC_SEED=<n>` replays a run, `FC_SEED=random` explores new
 * cases; CI uses the fixed seed so a failure always replays.
 */
const SEED_ENV = process.env.FC_SEED;
const SEED: { seed?: number } = SEED_ENV === 'random' ? {} : { seed: SEED_ENV ? Number(SEED_ENV) : 20261125 };

describe('operators match an Array.prototype model', () => {
  it('with sync per-item functions (fused kernel, sync path)', async () => {
    await fc.assert(
      fc.asyncProperty(input, specs, (xs, list) => check(xs, list, false)),
      { ...SEED, numRuns: 300 },
    );
  });

  it('with async per-item functions (the kernel awaits each promise)', async () => {
    await fc.assert(
      fc.asyncProperty(input, specs, (xs, list) => check(xs, list, true)),
      { ...SEED, numRuns: 200 },
    );
  });

  it('a few hand-picked sequences that cross take/batch/flatMap boundaries', async () => {
    const cases: [number[], OpSpec[]][] = [
      [[5, 9], [{ op: 'take', n: 1 }, { op: 'flatMap', shape: 'pair' }]],
      [[1, 2, 3, 4, 5], [{ op: 'take', n: 3 }, { op: 'batch', n: 2 }]],
      [[1, 2, 3], [{ op: 'take', n: 2 }, { op: 'takeWhile', t: 100 }]],
      [[1, 2, 3], [{ op: 'flatMap', shape: 'pair' }, { op: 'take', n: 3 }, { op: 'scan' }]],
      [[], [{ op: 'take', n: 0 }, { op: 'batch', n: 1 }]],
      [[1, 2], [{ op: 'take', n: 0 }]],
    ];
    for (const [xs, list] of cases) {
      await check(xs, list, false);
      await check(xs, list, true);
    }
  });

  // Regression (found by the property above, unseeded): when a write leaves the readable buffer at its
  // high-water mark, `_read` releases the held write callback; a following `_writev` that pushes nothing
  // must not hold the callback again — Node calls `_read` again only after a push, so the chain hung.
  it('does not hang when a write batch that pushes nothing follows a full readable buffer', async () => {
    const out: number[] = [];
    const ops = [filter((x: number) => x >= 0), flatMap((x: number) => [x, x, x, x])];
    await guard(viaChain([0, 1, 2, 3, -1, -1], ops).then((o) => out.push(...(o as number[]))), 1000, 'end of the chain');
    expect(out).toHaveLength(16);
  });
});
