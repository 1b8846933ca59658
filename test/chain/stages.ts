/**
 * Stages for the chain()/pipe()/run() tests: the same number -> number step as each kind of stage
 * (fused operator, async operator, generator, stream factory, Transform instance, Web TransformStream).
 */
import { Transform } from 'node:stream';
import { TransformStream } from 'node:stream/web';
import { map, type ChainStage, type TypedDuplex } from '../../lib/index.js';

/** Every kind of stage `chain()`, `pipe()` and `run()` accept (fusable ones first). */
export const STAGE_KINDS = ['operator', 'async operator', 'generator', 'factory', 'transform', 'web'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

/** What `failedStage(err).label` reports for a stage made by {@link stageOf}. */
export const STAGE_LABELS: Readonly<Record<StageKind, string>> = {
  operator: 'map',
  'async operator': 'map',
  generator: 'generator "step"',
  factory: 'stream Transform',
  transform: 'stream Transform',
  web: 'TransformStream',
};

function mapTransform(fn: (n: number) => number): Transform {
  return new Transform({
    objectMode: true,
    transform(chunk: number, _encoding, cb) {
      let out: number;
      try {
        out = fn(chunk);
      } catch (err) {
        return cb(err as Error);
      }
      cb(null, out);
    },
  });
}

/**
 * A fresh stage of `kind` that applies `fn` to each number; an error thrown by `fn` is the stage's
 * error (an operator/generator throw, a Transform `cb(err)`, a TransformStream error).
 */
export function stageOf(kind: StageKind, fn: (n: number) => number): ChainStage<number, number> {
  switch (kind) {
    case 'operator':
      return map(fn);
    case 'async operator':
      return map(async (n: number) => {
        await null;
        return fn(n);
      });
    case 'generator':
      return async function* step(source: AsyncIterable<number>) {
        for await (const n of source) yield fn(n);
      };
    case 'factory':
      return function makeTransform() {
        return mapTransform(fn) as TypedDuplex<number, number>;
      };
    case 'transform':
      return mapTransform(fn) as TypedDuplex<number, number>;
    case 'web':
      return new TransformStream<number, number>({
        transform(n, controller) {
          controller.enqueue(fn(n));
        },
      });
  }
}

/** Every ordering of `items`. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  const out: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([item, ...rest]);
  });
  return out;
}
