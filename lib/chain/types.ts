/**
 * Fixed-arity overloads for chain(), pipe() and run() (generated; up to 12 stages), so the output type of
 * each stage flows into the next with no generic arguments written by the user.
 */
import type { Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream, TransformStream } from 'node:stream/web';
import type { StageContext } from '../internal/gen-duplex.js';
import type { AnyIterable, TypedDuplex, TypedReadable } from '../internal/types.js';

/**
 * A function stage: a generator stage or operator taking the previous stage's output, or a factory
 * returning a Duplex. (Method syntax makes the parameter bivariant, so a stage after an untyped Node
 * stream can annotate what it receives; mismatched types are still errors.)
 */
export type StageFn<I, O> = {
  bivarianceHack(source: AsyncIterable<I>, ctx: StageContext): AsyncIterable<O> | Iterable<O> | TypedDuplex<I, O>;
}['bivarianceHack'];

/** Anything `chain()`, `pipe()` and `run()` accept as a stage from `I` to `O`. */
export type ChainStage<I, O> = StageFn<I, O> | TypedDuplex<I, O> | TransformStream<I, O>;

/** A source for `pipe()`/`run()`: an iterable, a generator (function), a Readable or a Web ReadableStream. */
export type PipeSource<T> = AnyIterable<T> | (() => AnyIterable<T>) | TypedReadable<T> | WebReadableStream<T> | globalThis.ReadableStream<T>;

/**
 * `run()`'s check on its sink: a function that returns an async iterable (an operator such as `map(f)`,
 * a generator stage) is a stage, and would leave the output unconsumed — a compile error naming why.
 */
export type NotAStage<R> = R extends AsyncIterable<unknown>
  ? { readonly 'run(): the last argument must consume the output; this one returns an async iterable, so it is a stage — add a sink such as toArray': never }
  : unknown;

/** A function consuming the output of `run()`; `run()` resolves with what it returns. */
export type RunSinkFn<T, R> = (source: AsyncGenerator<T, void, undefined>) => R | Promise<R>;

/** The final consumer of `run()`: an async function over the output, or a Writable. */
export type RunSink<T, R> = RunSinkFn<T, R> | Writable;

export interface ChainFn {
  <A, B>(s1: ChainStage<A, B>): TypedDuplex<A, B>;
  <A, B, C>(s1: ChainStage<A, B>, s2: ChainStage<B, C>): TypedDuplex<A, C>;
  <A, B, C, D>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>): TypedDuplex<A, D>;
  <A, B, C, D, E>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>): TypedDuplex<A, E>;
  <A, B, C, D, E, F>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>): TypedDuplex<A, F>;
  <A, B, C, D, E, F, G>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>): TypedDuplex<A, G>;
  <A, B, C, D, E, F, G, H>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>): TypedDuplex<A, H>;
  <A, B, C, D, E, F, G, H, I>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>): TypedDuplex<A, I>;
  <A, B, C, D, E, F, G, H, I, J>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>): TypedDuplex<A, J>;
  <A, B, C, D, E, F, G, H, I, J, K>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>): TypedDuplex<A, K>;
  <A, B, C, D, E, F, G, H, I, J, K, L>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>): TypedDuplex<A, L>;
  <A, B, C, D, E, F, G, H, I, J, K, L, M>(s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>, s12: ChainStage<L, M>): TypedDuplex<A, M>;
  (...stages: ChainStage<unknown, unknown>[]): TypedDuplex<unknown, unknown>;
}

export interface PipeFn {
  <A>(source: PipeSource<A>): AsyncGenerator<A, void, undefined>;
  <A, B>(source: PipeSource<A>, s1: ChainStage<A, B>): AsyncGenerator<B, void, undefined>;
  <A, B, C>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>): AsyncGenerator<C, void, undefined>;
  <A, B, C, D>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>): AsyncGenerator<D, void, undefined>;
  <A, B, C, D, E>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>): AsyncGenerator<E, void, undefined>;
  <A, B, C, D, E, F>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>): AsyncGenerator<F, void, undefined>;
  <A, B, C, D, E, F, G>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>): AsyncGenerator<G, void, undefined>;
  <A, B, C, D, E, F, G, H>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>): AsyncGenerator<H, void, undefined>;
  <A, B, C, D, E, F, G, H, I>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>): AsyncGenerator<I, void, undefined>;
  <A, B, C, D, E, F, G, H, I, J>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>): AsyncGenerator<J, void, undefined>;
  <A, B, C, D, E, F, G, H, I, J, K>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>): AsyncGenerator<K, void, undefined>;
  <A, B, C, D, E, F, G, H, I, J, K, L>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>): AsyncGenerator<L, void, undefined>;
  <A, B, C, D, E, F, G, H, I, J, K, L, M>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>, s12: ChainStage<L, M>): AsyncGenerator<M, void, undefined>;
  (source: PipeSource<unknown>, ...stages: ChainStage<unknown, unknown>[]): AsyncGenerator<unknown, void, undefined>;
}

type AnyStage = ChainStage<unknown, unknown>;
type Stages13 = [AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage, AnyStage];

export interface RunFn {
  // An async (or sync) function sink: resolves with what it returns.
  <A, R>(source: PipeSource<A>, sink: RunSinkFn<A, R> & NotAStage<R>): Promise<R>;
  <A, B, R>(source: PipeSource<A>, s1: ChainStage<A, B>, sink: RunSinkFn<B, R> & NotAStage<R>): Promise<R>;
  <A, B, C, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, sink: RunSinkFn<C, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, sink: RunSinkFn<D, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, sink: RunSinkFn<E, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, sink: RunSinkFn<F, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, sink: RunSinkFn<G, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, H, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, sink: RunSinkFn<H, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, H, I, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, sink: RunSinkFn<I, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, H, I, J, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, sink: RunSinkFn<J, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, H, I, J, K, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, sink: RunSinkFn<K, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, H, I, J, K, L, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>, sink: RunSinkFn<L, R> & NotAStage<R>): Promise<R>;
  <A, B, C, D, E, F, G, H, I, J, K, L, M, R>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>, s12: ChainStage<L, M>, sink: RunSinkFn<M, R> & NotAStage<R>): Promise<R>;
  // A Writable sink: resolves once it has finished.
  <A>(source: PipeSource<A>, sink: Writable): Promise<void>;
  <A, B>(source: PipeSource<A>, s1: ChainStage<A, B>, sink: Writable): Promise<void>;
  <A, B, C>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, sink: Writable): Promise<void>;
  <A, B, C, D>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, sink: Writable): Promise<void>;
  <A, B, C, D, E>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G, H>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G, H, I>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G, H, I, J>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G, H, I, J, K>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G, H, I, J, K, L>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>, sink: Writable): Promise<void>;
  <A, B, C, D, E, F, G, H, I, J, K, L, M>(source: PipeSource<A>, s1: ChainStage<A, B>, s2: ChainStage<B, C>, s3: ChainStage<C, D>, s4: ChainStage<D, E>, s5: ChainStage<E, F>, s6: ChainStage<F, G>, s7: ChainStage<G, H>, s8: ChainStage<H, I>, s9: ChainStage<I, J>, s10: ChainStage<J, K>, s11: ChainStage<K, L>, s12: ChainStage<L, M>, sink: Writable): Promise<void>;
  // Beyond 12 stages: still a stage list ending in a sink (`never` accepts a sink typed for any item).
  // Only from 13 stages on, so a bad sink after fewer stages is reported by the typed overloads above.
  (source: PipeSource<unknown>, ...stagesAndSink: [...Stages13, ...ChainStage<unknown, unknown>[], RunSink<never, unknown>]): Promise<unknown>;
}
