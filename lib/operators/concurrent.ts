import { openIterator } from '../internal/sources.js';
/**
 * The engine behind `map(fn, { concurrency })` and `flatMap(fn, { concurrency })`: up to `concurrency`
 * calls of an async `fn` run at once. Not fusable (it is its own generator stage).
 */
import { generatorOperator, type Operator } from '../internal/operator.js';
import type { AnyIterable } from '../internal/types.js';
import { checkOptions, checkPositiveInt, fail } from '../internal/validate.js';

/** Options of `map`/`flatMap` with parallel calls. */
export interface ConcurrencyOptions {
  /** How many calls of `fn` may run at once (default 1: sequential and fusable). `Infinity` is allowed. */
  concurrency?: number;
  /** Keep input order (default `true`). With `false`, results come as they finish. */
  ordered?: boolean;
}

interface Slot {
  done: boolean;
  value: unknown;
}

const isDone = (slot: Slot): boolean => slot.done;
const isRunning = (slot: Slot): boolean => !slot.done;

async function* spreadValue(value: unknown): AsyncGenerator<unknown, void, undefined> {
  if (value != null && typeof value !== 'string') {
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return yield* value as Iterable<unknown>;
    if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return yield* value as AsyncIterable<unknown>;
  }
  yield value;
}

async function* runConcurrent(
  fn: (item: unknown, index: number) => unknown,
  limit: number,
  ordered: boolean,
  flatten: boolean,
  source: AnyIterable<unknown>,
): AsyncGenerator<unknown, void, undefined> {
  const it: AsyncIterator<unknown> | Iterator<unknown> = openIterator(source).it;
  const slots: Slot[] = []; // in start order; results wait here until delivered
  let sourceDone = false;
  let sourceError: { err: unknown } | null = null;
  let failure: { err: unknown } | null = null; // the first call to fail, in completion order
  let closing = false; // the loop is over: start no more calls
  let index = 0;
  let wakeUp: (() => void) | null = null;
  const wake = (): void => {
    const w = wakeUp;
    wakeUp = null;
    w?.();
  };

  const settle = (slot: Slot, failed: boolean, value: unknown): void => {
    slot.done = true;
    slot.value = value;
    if (failed && failure === null) failure = { err: value }; // later failures are swallowed: one error
    wake();
  };
  const start = (item: unknown): void => {
    const slot: Slot = { done: false, value: undefined };
    slots.push(slot);
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(fn(item, index++));
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (value) => settle(slot, false, value),
      (err: unknown) => settle(slot, true, err),
    );
  };

  // Pull one source item and start its call (one pull at a time). An item that arrives after a
  // failure or after the consumer left is dropped: no call starts then (the source is returned).
  let pulling: Promise<void> | null = null;
  const onPulled = (r: IteratorResult<unknown>): void => {
    pulling = null;
    if (r.done) sourceDone = true;
    else if (failure === null && !closing) start(r.value);
    wake();
  };
  const onPullFailed = (err: unknown): void => {
    pulling = null;
    sourceDone = true;
    sourceError = { err };
    wake();
  };
  const pull = (): Promise<void> => {
    let next: IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
    try {
      next = it.next();
    } catch (err) {
      next = Promise.reject(err); // a sync iterator threw: a source error like any other
    }
    return Promise.resolve(next).then(onPulled, onPullFailed);
  };
  // Whether the loop can make progress (checked before sleeping, so no wake-up is lost).
  const ready = (): boolean =>
    failure !== null ||
    (ordered ? slots.length > 0 && slots[0].done : slots.some(isDone)) ||
    (pulling === null && (sourceDone ? slots.length === 0 : slots.length < limit));

  try {
    for (;;) {
      // An error stops new calls at once; the running ones are awaited below.
      if (failure !== null) break;
      // Fill: start calls while fewer than `limit` items are in flight or waiting to be delivered.
      if (!sourceDone && pulling === null && slots.length < limit) pulling = pull();
      // Deliver what is ready.
      const i = ordered ? (slots.length > 0 && slots[0].done ? 0 : -1) : slots.findIndex(isDone);
      if (i >= 0) {
        const slot = slots.splice(i, 1)[0];
        if (flatten) yield* spreadValue(slot.value);
        else yield slot.value;
        continue;
      }
      // The source ended (or failed) and everything in flight was delivered.
      if (sourceDone && pulling === null && slots.length === 0) break;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        if (ready()) wake();
      });
    }
    const f = failure as { err: unknown } | null; // (assigned in callbacks: not narrowed)
    if (f !== null) throw f.err;
    if (sourceError !== null) throw (sourceError as { err: unknown }).err;
  } finally {
    closing = true;
    // Never leave calls running unobserved: wait for the pull and the calls in flight (their errors
    // are already caught), then return the source.
    if (pulling !== null) await pulling;
    while (slots.some(isRunning)) {
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        if (!slots.some(isRunning)) wake();
      });
    }
    if (!sourceDone && typeof it.return === 'function') await it.return();
  }
}

/**
 * Validates the options of `map`/`flatMap` at call time; `true` when they ask for parallel calls
 * (`concurrency` other than 1), which makes the operator its own, non-fusable stage.
 */
export function wantsConcurrency(label: string, options: ConcurrencyOptions | undefined): boolean {
  checkOptions(label, options);
  if (options === undefined) return false;
  if (options.concurrency !== undefined) checkPositiveInt(label, 'options.concurrency', options.concurrency, true);
  if (options.ordered !== undefined && typeof options.ordered !== 'boolean') {
    fail(label, '`options.ordered` to be a boolean', options.ordered);
  }
  return options.concurrency !== undefined && options.concurrency !== 1;
}

/** Builds the concurrent form of map/flatMap; its options were checked by {@link wantsConcurrency}. */
export function concurrentMap<I, O>(
  label: string,
  fn: (item: unknown, index: number) => unknown,
  options: ConcurrencyOptions,
  flatten: boolean,
): Operator<I, O> {
  const limit = options.concurrency as number;
  const ordered = options.ordered ?? true;
  return generatorOperator(
    label,
    (source: AnyIterable<I>) => runConcurrent(fn, limit, ordered, flatten, source) as AsyncGenerator<O, void, undefined>,
  );
}
