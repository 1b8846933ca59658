/**
 * How operators are made. A fusable operator is only a step factory: `fusable()` turns it into a
 * generator stage (usable in `stream.pipeline`, `for await`, `pipe()`) that also carries `[kFuse]`, so
 * `chain()`/`pipe()`/`run()` can fuse it with its neighbours instead of running it as a generator.
 */
import { FusedReadable, isPipelineCall } from './fused-readable.js';
import { fuseStage, kFuse, type FusableInfo, type StepFactory } from './kernel.js';
import type { AnyIterable } from './types.js';
import { fail, isIterable } from './validate.js';

/**
 * A genstream operator: a generator stage over any (sync or async) iterable. Works as a
 * `stream.pipeline` stage, in `chain()`/`pipe()`/`run()`, and in plain code: `for await (x of op(src))`.
 */
export type Operator<I, O> = (source: AnyIterable<I>) => AsyncGenerator<O, void, undefined>;

/** Marks every genstream operator (fusable or not): a stage, never a sink. */
const kOperator: unique symbol = Symbol.for('genstream.operator') as never;

/** `true` for a genstream operator (`map(f)`, `lines()`, ...). */
export function isOperator(value: unknown): boolean {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[kOperator] === true;
}

/** `true` for an `async function*` or `function*` (a generator function is a stage, never a sink). */
export function isGeneratorFunction(value: unknown): boolean {
  if (typeof value !== 'function') return false;
  const tag = (value as unknown as Record<symbol, unknown>)[Symbol.toStringTag];
  return tag === 'AsyncGeneratorFunction' || tag === 'GeneratorFunction';
}

/**
 * Makes a fusable operator from its step factory. `label` names it in errors (`map`, `take`);
 * `keepsItems` (or `true`): it passes items through unchanged (so a source of lines stays one, see
 * line-items.ts); `makesLines`: its items are whole lines (`lines()`); `spreads`: one input may become
 * endlessly many items (`flatMap`), so its run produces them only as fast as they are taken.
 */
export function fusable<I, O>(
  label: string,
  factory: StepFactory,
  flags: boolean | { keepsItems?: boolean; makesLines?: boolean; spreads?: boolean } = false,
): Operator<I, O> {
  const info: FusableInfo = typeof flags === 'boolean' ? { factory, label, keepsItems: flags } : { factory, label, ...flags };
  const infos = [{ info, stage: -1 }];
  const stage = generatorOperator<I, O>(label, (source, ctx) => {
    if (!isPipelineCall(ctx)) return fuseStage<O>(infos, source);
    // Called by stream.pipeline (with `{ signal }`): a Readable that pushes each input's results at
    // once, fused with the operator before it in the same pipeline when that one is fusable too.
    const before = source instanceof FusedReadable ? source.absorb() : undefined;
    const readable = before === undefined ? new FusedReadable(infos, source, label, ctx.signal) : new FusedReadable([...before.infos, ...infos], before.source, label, ctx.signal);
    return readable as unknown as AsyncGenerator<O, void, undefined>;
  });
  Object.defineProperty(stage, kFuse, { value: info });
  return stage;
}

/**
 * Makes a non-fusable operator (its own generator stage) from `run`; checks the source at call time.
 * `where` names it in that check's message (default `label`: a stage given a `name` says both).
 */
export function generatorOperator<I, O>(
  label: string,
  run: (source: AnyIterable<I>, ctx?: unknown) => AsyncGenerator<O, void, undefined>,
  where: string = label,
): Operator<I, O> {
  const stage = (source: AnyIterable<I>, ctx?: unknown): AsyncGenerator<O, void, undefined> => {
    if (!isIterable(source)) fail(`${where} stage`, '`source` to be an iterable or async iterable', source);
    return run(source, ctx);
  };
  Object.defineProperty(stage, 'name', { value: label });
  Object.defineProperty(stage, kOperator, { value: true });
  return stage;
}
