/**
 * genstream — async generators and Node streams as one world.
 *
 * The public surface, grouped. Every export is named here (no `export *`).
 */

// Adapters: generator stage <-> Duplex, iterable <-> Readable, sink <-> Writable.
export { fromGen, type FromGenOptions, type StageContext } from './adapters/from-gen.js';
export { toGen, type ToGenOptions, type GenStage } from './adapters/to-gen.js';
export { toReadable, type ToReadableOptions, type ReadableSource } from './adapters/to-readable.js';
export { fromReadable, type FromReadableOptions } from './adapters/from-readable.js';
export { toWritable, type ToWritableOptions, type Sink } from './adapters/to-writable.js';
export { fromWritable, type FromWritableOptions, type WritableSink } from './adapters/from-writable.js';

// Web Streams.
export { toWebReadable, fromWebReadable, type ToWebReadableOptions } from './adapters/web.js';

// chain(): one typed, fused pipeline of generator stages, operators, Node streams and Web streams.
export { chain, pipe, run } from './chain/chain.js';
export type { ChainStage, StageFn, PipeSource, RunSink, ChainFn, PipeFn, RunFn } from './chain/types.js';
export { failedStage, type FailedStage } from './internal/stage-error.js';

// Operators: per-item (fusable).
export { map } from './operators/map.js';
export { filter } from './operators/filter.js';
export { flatMap, type FlatItem } from './operators/flat-map.js';
export type { Operator } from './internal/operator.js';

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
  AbortError,
  isAbortError,
  type GenstreamErrorCode,
} from './internal/errors.js';
