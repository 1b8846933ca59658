/**
 * Phantom types carried by the streams genstream creates, so `chain()`, `pipe()` and `fromReadable()`
 * can infer item types through them. They exist only at compile time.
 */
import type { Duplex, Readable, Writable } from 'node:stream';

declare const kIn: unique symbol;
declare const kOut: unique symbol;

/** A Readable whose items are `O`. */
export interface TypedReadable<O> extends Readable {
  /** Phantom (compile time only): the item type this stream yields. */
  readonly [kOut]?: O;
}

/** A Writable that accepts items of type `I`. */
export interface TypedWritable<I> extends Writable {
  /** Phantom (compile time only): the item type this stream accepts, as a parameter so it checks contravariantly. */
  readonly [kIn]?: (item: I) => void;
}

/** A Duplex that accepts `I` and produces `O`. */
export interface TypedDuplex<I, O> extends Duplex {
  /** Phantom (compile time only): the item type the writable side accepts. */
  readonly [kIn]?: (item: I) => void;
  /** Phantom (compile time only): the item type the readable side yields. */
  readonly [kOut]?: O;
}

/** Anything `for await` accepts. */
export type AnyIterable<T> = AsyncIterable<T> | Iterable<T>;

/**
 * A generator stage: Node's convention for `stream.pipeline` — takes the whole source as an async
 * iterable and returns an async iterable (usually an `async function*`).
 */
export type Stage<I, O> = (source: AsyncIterable<I>) => AsyncIterable<O>;
