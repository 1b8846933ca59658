/**
 * genstream — async generators and Node streams as one world.
 *
 * The public surface, grouped. Every export is named here (no `export *`).
 *
 * @module genstream
 */

// Adapters: generator stage <-> Duplex, iterable <-> Readable, sink <-> Writable.
export { fromGen, type FromGenOptions, type StageContext } from './adapters/from-gen.js';
export { toGen, type ToGenOptions, type GenStage } from './adapters/to-gen.js';
export { toReadable, type ToReadableOptions, type ReadableSource, type ReadableSourceItem } from './adapters/to-readable.js';
export { fromReadable, type FromReadableOptions, type LegacyReadableStream } from './adapters/from-readable.js';
export { toWritable, type ToWritableOptions, type Sink } from './adapters/to-writable.js';
export { fromWritable, type FromWritableOptions, type WritableSink } from './adapters/from-writable.js';
export { fromDuplex, type FromDuplexOptions, type DuplexIterable } from './adapters/from-duplex.js';
export { toDuplex, type ToDuplexOptions, type AsyncDuplexIterable } from './adapters/to-duplex.js';

// Web Streams.
export { toWebReadable, fromWebReadable, type ToWebReadableOptions } from './adapters/web.js';

// chain(): one typed, fused pipeline of generator stages, operators, Node streams and Web streams.
export { chain, pipe, run } from './chain/chain.js';
export type { ChainOptions } from './chain/chain-options.js';
export type {
  ChainStage,
  StageFn,
  PipeSource,
  ChainSource,
  ChainSink,
  ChainSinkFn,
  RunSink,
  RunSinkFn,
  ChainFn,
  PipeFn,
  RunFn,
  StageMismatch,
  InvalidArgument,
  MaxTypedArguments,
} from './chain/types.js';
export { failedStage, type FailedStage } from './internal/stage-error.js';

// Operators: per-item, fusable (map and flatMap stop being fusable with { concurrency > 1 }).
export { map } from './operators/map.js';
export { filter } from './operators/filter.js';
export { flatMap, type FlatItem } from './operators/flat-map.js';
export { tap } from './operators/tap.js';
export { take } from './operators/take.js';
export { drop } from './operators/drop.js';
export { takeWhile } from './operators/take-while.js';
export { dropWhile } from './operators/drop-while.js';
export { scan } from './operators/scan.js';
export { enumerate } from './operators/enumerate.js';
export { batch, chunk, type BatchOptions } from './operators/batch.js';
export { progress, type Progress, type ProgressOptions } from './operators/progress.js';
export type { ConcurrencyOptions } from './operators/concurrent.js';
export type { Operator } from './internal/operator.js';

// Operators: text and bytes.
export { lines, type LinesOptions } from './operators/lines.js';
export { ndjsonParse, type NdjsonParseOptions } from './operators/ndjson-parse.js';
export { ndjsonStringify } from './operators/ndjson-stringify.js';
export { decode } from './operators/decode.js';
export { encode } from './operators/encode.js';

// Operators: combining sources.
export { merge } from './operators/merge.js';
export { concat } from './operators/concat.js';
export { zip, type ZipItem } from './operators/zip.js';
export { tee, type TeeOptions } from './operators/tee.js';
export { fork, type ForkSink, type ForkInput, type ForkResults } from './operators/fork.js';
export { groupBy } from './operators/group-by.js';
export { peek } from './operators/peek.js';
export type { ItemOf } from './internal/sources.js';

// Operators: time-aware.
export { throttle } from './operators/throttle.js';

// Terminal helpers for plain code (also run() sinks).
export { toArray, collect } from './operators/to-array.js';
export { reduce, type Reducer } from './operators/reduce.js';
export { count } from './operators/count.js';
export { first } from './operators/first.js';
export { forEach, type Visitor } from './operators/for-each.js';

// Types shared by the adapters.
export type { StreamOptions, DuplexOptions } from './internal/options.js';
export type { TypedReadable, TypedWritable, TypedDuplex, AnyIterable, Stage } from './internal/types.js';

// Errors.
export {
  GenstreamError,
  GenstreamArgumentError,
  NullValueError,
  InvalidChunkError,
  AlreadyUsedError,
  NotIterableError,
  EmptySourceError,
  LineTooLongError,
  BadJsonError,
  AbortError,
  isAbortError,
  type GenstreamErrorCode,
} from './internal/errors.js';
