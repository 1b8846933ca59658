/**
 * What travels between the stage and its workers, and how a worker's error is rebuilt on this side.
 *
 * One message per batch each way: `{ id, items }` out, `{ id, values }` back (plus `error` when the
 * function threw at item `values.length`, or `cloneError` when result `values.length` could not be
 * copied). A worker that cannot load the module answers once with `{ id: -1, load }`.
 */

/** `workerData` of every worker of a stage. */
export interface WorkerSpec {
  /** The module as a `file:` URL string. */
  url: string;
  exportName: string;
  /** Move whole-buffer `ArrayBuffer`s and views of results instead of copying them. */
  transferResults: boolean;
}

export interface BatchMessage {
  id: number;
  items: unknown[];
  /** Indexes of the items that were Buffers (structured clone turns a Buffer into a plain Uint8Array). */
  buffers?: number[];
}

/** A thrown value as it crosses the thread boundary: an error's parts, or a value structured clone copies. */
export type WireError =
  | {
      error: true;
      name: string;
      message: string;
      stack: string | undefined;
      props: Record<string, unknown>;
      cause?: WireError;
      /** An AggregateError's `errors`. */
      errors?: WireError[];
    }
  | { error: false; value: unknown };

/** Why a worker could not use the module: a loader error, or what the export held instead of a function. */
export type LoadFailure = { kind: 'load'; error: WireError } | { kind: 'export'; got: string; exports: string[] };

/** The answer to a batch: the results before any failure, and what failed. */
export interface BatchReply {
  id: number;
  values: unknown[];
  buffers?: number[];
  error?: WireError;
  cloneError?: WireError;
}

export type WorkerReply = BatchReply | { id: -1; load: LoadFailure };

/** What {@link scanValues} found in a batch. */
export interface Scanned {
  /** Indexes of the Buffers (made Buffers again on the other side). */
  buffers: number[] | undefined;
  /** With `transfer`: the whole-buffer `ArrayBuffer`s to move. */
  transfer: ArrayBuffer[] | undefined;
}

/**
 * One pass over a batch before it is posted, on either side: which values are Buffers, and (with
 * `transfer`) which `ArrayBuffer`s to move: an `ArrayBuffer`, or the buffer of a view that covers all of
 * it (a view into a larger buffer, such as a small Buffer from Node's pool, shares it: copied). Passed
 * into the worker's code as text, so it uses nothing but globals.
 */
export function scanValues(values: unknown[], transfer: boolean): Scanned {
  let buffers: number[] | undefined;
  let moved: Set<ArrayBuffer> | undefined; // an item twice in a batch: its buffer once
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'object' || v === null) continue;
    if (Buffer.isBuffer(v)) (buffers ??= []).push(i);
    if (!transfer) continue;
    if (v instanceof ArrayBuffer) (moved ??= new Set()).add(v);
    else if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) {
      (moved ??= new Set()).add(v.buffer);
    }
  }
  return { buffers, transfer: moved === undefined ? undefined : [...moved] };
}

/** Makes the values at `indexes` Buffers again (views on the same memory, no copy). */
export function restoreBuffers(values: unknown[], indexes: number[] | undefined): void {
  if (indexes === undefined) return;
  for (const k of indexes) {
    const u8 = values[k] as Uint8Array;
    values[k] = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }
}

const builtins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds a thrown value: an error gets its worker-side name, message, stack, own properties
 * (`code`, ...) and cause, with the built-in class of its name (`TypeError`, ...) or else `Error`; an
 * AggregateError gets its `errors`, rebuilt the same way.
 */
export function fromWire(wire: WireError): unknown {
  if (!wire.error) return wire.value;
  const options = wire.cause === undefined ? undefined : { cause: fromWire(wire.cause) };
  const err: Error =
    wire.errors !== undefined
      ? new AggregateError(wire.errors.map(fromWire), wire.message, options)
      : new (Object.hasOwn(builtins, wire.name) ? builtins[wire.name]! : Error)(wire.message, options);
  if (err.name !== wire.name) Object.defineProperty(err, 'name', { value: wire.name, writable: true, configurable: true });
  if (wire.stack === undefined) delete err.stack;
  else Object.defineProperty(err, 'stack', { value: wire.stack, writable: true, configurable: true });
  Object.assign(err, wire.props);
  return err;
}
