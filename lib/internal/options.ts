/** Options shared by the adapters, and their translation into Node stream options. */
import type { DuplexOptions as DuplexNodeOptions } from 'node:stream';

/** Options every adapter accepts. */
export interface StreamOptions {
  /**
   * Carry any JavaScript value (default `true`). Set `false` for a byte stream of Buffers/strings.
   * Per side: {@link DuplexOptions.readableObjectMode} / {@link DuplexOptions.writableObjectMode}.
   */
  objectMode?: boolean;
  /** Buffer limit: items in object mode, bytes in byte mode. Node's defaults apply when omitted. */
  highWaterMark?: number;
  /** Aborting destroys the stream with an `AbortError`; a generator inside sees its `finally` run. */
  signal?: AbortSignal;
  /** For byte streams: decode output to strings with this encoding (e.g. `'utf8'`). */
  encoding?: BufferEncoding;
  /** Name used in error messages (default: the function's name). */
  name?: string;
}

/** Options of adapters that are both readable and writable. */
export interface DuplexOptions extends StreamOptions {
  /** Object mode of the readable (output) side; overrides `objectMode`. */
  readableObjectMode?: boolean;
  /** Object mode of the writable (input) side; overrides `objectMode`. */
  writableObjectMode?: boolean;
  /** Buffer limit of the readable side; overrides `highWaterMark`. */
  readableHighWaterMark?: number;
  /** Buffer limit of the writable side; overrides `highWaterMark`. */
  writableHighWaterMark?: number;
}

export interface ResolvedDuplexOptions {
  readableObjectMode: boolean;
  writableObjectMode: boolean;
  readableHighWaterMark: number | undefined;
  writableHighWaterMark: number | undefined;
  signal: AbortSignal | undefined;
  encoding: BufferEncoding | undefined;
}

export function resolveDuplexOptions(o: DuplexOptions = {}): ResolvedDuplexOptions {
  const objectMode = o.objectMode ?? true;
  return {
    readableObjectMode: o.readableObjectMode ?? objectMode,
    writableObjectMode: o.writableObjectMode ?? objectMode,
    readableHighWaterMark: o.readableHighWaterMark ?? o.highWaterMark,
    writableHighWaterMark: o.writableHighWaterMark ?? o.highWaterMark,
    signal: o.signal,
    encoding: o.encoding,
  };
}

/** The Node `Duplex` constructor options for resolved genstream options (both sides, half-open). */
export function nodeDuplexOptions(o: ResolvedDuplexOptions): DuplexNodeOptions {
  return {
    allowHalfOpen: true,
    readableObjectMode: o.readableObjectMode,
    writableObjectMode: o.writableObjectMode,
    readableHighWaterMark: o.readableHighWaterMark,
    writableHighWaterMark: o.writableHighWaterMark,
    encoding: o.encoding,
    signal: o.signal,
  };
}
