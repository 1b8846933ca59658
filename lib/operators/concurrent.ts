/**
 * The engine behind `map(fn, { concurrency })` and `flatMap(fn, { concurrency })`: up to `concurrency`
 * calls of an async `fn` run at once, and at most `maxBuffered` items are held between the source and
 * the consumer (calls running plus results waiting for delivery). Not fusable (it is its own generator
 * stage).
 *
 * Two limits, because they bound different things: `concurrency` bounds the work in progress,
 * `maxBuffered` bounds memory. With one limit for both, results that wait behind a slow earlier item
 * (`ordered: true`) or for a slow consumer use up the concurrency, and the calls stall.
 */
import { Fifo } from '../internal/fifo.js';
import { generatorOperator, type Operator } from '../internal/operator.js';
import { openIterator, type AnyIterator } from '../internal/sources.js';
import type { AnyIterable } from '../internal/types.js';
import { checkOptions, checkPositiveInt, fail } from '../internal/validate.js';

/** Options of `map`/`flatMap` with parallel calls. */
export interface ConcurrencyOptions {
  /** How many calls of `fn` may run at once (default 1: sequential and fusable). `Infinity` is allowed. */
  concurrency?: number;
  /** Keep input order (default `true`). With `false`, results come as they finish. */
  ordered?: boolean;
  /**
   * How many items may be held between the source and the consumer: calls running plus finished
   * results the consumer has not taken yet (waiting behind a slower earlier item with `ordered: true`,
   * or for a slow consumer). A call starts only while fewer are held, so the finished results never
   * exceed `maxBuffered`, whatever the running calls do; at the limit the source is not read. A result
   * counts until the consumer asks for the next item (with flatMap: for the item after its last one).
   *
   * Default `max(16, 8 × concurrency)` (`Infinity` when `concurrency` is): room to keep every call
   * slot busy while one item takes up to about 8 times as long as the others. An integer from
   * `concurrency` up (equal to it, a waiting result keeps its call slot), or `Infinity` (no bound:
   * memory then grows with a slow item or a slow consumer). Only used with a `concurrency` above 1.
   */
  maxBuffered?: number;
}

/** The default `maxBuffered` for a concurrency (see {@link ConcurrencyOptions.maxBuffered}). */
function defaultMaxBuffered(concurrency: number): number {
  return Math.max(16, 8 * concurrency); // Infinity for concurrency Infinity
}

/** One call of an ordered run, in start order: its result waits here until delivered. */
interface Slot {
  done: boolean;
  value: unknown;
}

/**
 * The state of one run. Calls start from callbacks (a pull arriving, a call finishing, a result being
 * delivered) as soon as both limits allow, not only when the consumer asks for the next item, so the
 * call slots stay busy while results wait. All bound callbacks are made once per run, none per item.
 */
class ConcurrentRun {
  private readonly it: AnyIterator<unknown>;
  private readonly sync: boolean; // `it.next()` returns results directly (no promise)
  /** Ordered: every call since its start. Unordered: finished results only, in completion order. */
  private readonly slots: Fifo<Slot> | null;
  private readonly ready: Fifo<unknown> | null;
  running = 0; // calls started and not settled
  held = 0; // calls running + results the consumer has not taken (`maxBuffered` bounds it)
  pulling: Promise<void> | null = null; // at most one source `next()` at a time
  sourceDone = false;
  sourceError: { err: unknown } | null = null;
  failure: { err: unknown } | null = null; // the first call to fail, in completion order
  closing = false; // the loop is over: start no more calls
  private index = 0;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly fn: (item: unknown, index: number) => unknown,
    private readonly concurrency: number,
    private readonly maxBuffered: number,
    ordered: boolean,
    source: AnyIterable<unknown>,
  ) {
    const opened = openIterator(source);
    this.it = opened.it;
    this.sync = opened.sync;
    this.slots = ordered ? new Fifo<Slot>() : null;
    this.ready = ordered ? null : new Fifo<unknown>();
  }

  /** Starts calls while both limits allow: pulls one item at a time (a sync source in a loop). */
  fill(): void {
    while (
      this.pulling === null &&
      !this.sourceDone &&
      this.failure === null &&
      !this.closing &&
      this.running < this.concurrency &&
      this.held < this.maxBuffered
    ) {
      let next: IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
      try {
        next = this.it.next();
      } catch (err) {
        this.onPullFailed(err); // a sync iterator threw: a source error like any other
        return;
      }
      if (this.sync) this.take(next as IteratorResult<unknown>);
      else this.pulling = Promise.resolve(next).then(this.onPulled, this.onPullFailed);
    }
  }

  private readonly onPulled = (r: IteratorResult<unknown>): void => {
    this.pulling = null;
    this.take(r);
    this.fill();
    this.wake();
  };

  private readonly onPullFailed = (err: unknown): void => {
    this.pulling = null;
    this.sourceDone = true;
    this.sourceError = { err };
    this.wake();
  };

  // An item that arrives after a failure or after the consumer left is dropped: no call starts then.
  private take(r: IteratorResult<unknown>): void {
    if (r.done) this.sourceDone = true;
    else if (this.failure === null && !this.closing) this.start(r.value);
  }

  private start(item: unknown): void {
    this.running++;
    this.held++;
    let slot: Slot | null = null;
    if (this.slots !== null) {
      slot = { done: false, value: undefined };
      this.slots.push(slot);
    }
    void this.call(slot, item, this.index++);
  }

  // An async method instead of `.then(onValue, onError)`: ties the result to its slot without a
  // closure per item. Never rejects: a failure is recorded.
  private async call(slot: Slot | null, item: unknown, index: number): Promise<void> {
    let value: unknown;
    try {
      value = await this.fn(item, index);
    } catch (err) {
      this.running--;
      if (this.failure === null) this.failure = { err }; // later failures are swallowed: one error
      this.wake();
      return;
    }
    this.running--;
    if (slot !== null) {
      slot.value = value;
      slot.done = true;
    } else {
      this.ready!.push(value);
    }
    this.fill(); // a call slot is free; the result still counts in `held` until delivered
    this.wake();
  }

  /** Whether a result can be delivered now (the oldest one when ordered). */
  hasResult(): boolean {
    if (this.slots !== null) return this.slots.size > 0 && this.slots.peek()!.done;
    return this.ready!.size > 0;
  }

  /** Takes the next result (check {@link hasResult} first); it counts in `held` until {@link delivered}. */
  takeResult(): unknown {
    return this.slots !== null ? this.slots.shift().value : this.ready!.shift();
  }

  /**
   * The consumer took the result (asked for the next item; for flatMap, after the whole spread), so
   * "read from the source but not received by the consumer" stays within `maxBuffered`.
   */
  delivered(): void {
    this.held--;
    this.fill();
  }

  /** For `await new Promise(run.sleep)`: one waiter, woken by any change (no closure per wait). */
  readonly sleep = (resolve: () => void): void => {
    this.wakeUp = resolve;
  };

  private wake(): void {
    const w = this.wakeUp;
    if (w !== null) {
      this.wakeUp = null;
      w();
    }
  }

  /** After the loop: waits for the pull and the calls in flight (their errors are already caught). */
  async settle(): Promise<void> {
    this.closing = true;
    while (this.pulling !== null) await this.pulling;
    while (this.running > 0) await new Promise<void>(this.sleep);
    if (!this.sourceDone && typeof this.it.return === 'function') await this.it.return();
  }
}

async function* spreadValue(value: unknown): AsyncGenerator<unknown, void, undefined> {
  if (value != null && typeof value !== 'string') {
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return yield* value as Iterable<unknown>;
    if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return yield* value as AsyncIterable<unknown>;
  }
  yield value;
}

async function* runConcurrent(
  fn: (item: unknown, index: number) => unknown,
  concurrency: number,
  maxBuffered: number,
  ordered: boolean,
  flatten: boolean,
  source: AnyIterable<unknown>,
): AsyncGenerator<unknown, void, undefined> {
  const run = new ConcurrentRun(fn, concurrency, maxBuffered, ordered, source);
  try {
    run.fill();
    for (;;) {
      // An error stops new calls at once; the running ones are awaited below.
      if (run.failure !== null) break;
      if (run.hasResult()) {
        const value = run.takeResult();
        if (!flatten) yield value;
        else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield value[i]; // no generator per array
        else yield* spreadValue(value);
        run.delivered();
        continue;
      }
      // The source ended (or failed) and everything in flight was delivered.
      if (run.sourceDone && run.pulling === null && run.held === 0) break;
      await new Promise<void>(run.sleep); // every state change wakes it; checked above in the same tick
    }
    const f = run.failure as { err: unknown } | null; // (assigned in callbacks: not narrowed)
    if (f !== null) throw f.err;
    if (run.sourceError !== null) throw run.sourceError.err;
  } finally {
    // Never leave calls running unobserved; then return the source.
    await run.settle();
  }
}

/**
 * Validates the options of `map`/`flatMap` at call time; `true` when they ask for parallel calls
 * (`concurrency` other than 1), which makes the operator its own, non-fusable stage.
 */
export function wantsConcurrency(label: string, options: ConcurrencyOptions | undefined): boolean {
  checkOptions(label, options);
  if (options === undefined) return false;
  const { concurrency, maxBuffered } = options;
  if (concurrency !== undefined) checkPositiveInt(label, 'options.concurrency', concurrency, true);
  if (options.ordered !== undefined && typeof options.ordered !== 'boolean') {
    fail(label, '`options.ordered` to be a boolean', options.ordered);
  }
  if (maxBuffered !== undefined) {
    checkPositiveInt(label, 'options.maxBuffered', maxBuffered, true);
    if (concurrency !== undefined && maxBuffered < concurrency) {
      fail(label, `\`options.maxBuffered\` to be at least \`options.concurrency\` (${concurrency})`, maxBuffered);
    }
  }
  return concurrency !== undefined && concurrency !== 1;
}

/** Builds the concurrent form of map/flatMap; its options were checked by {@link wantsConcurrency}. */
export function concurrentMap<I, O>(
  label: string,
  fn: (item: unknown, index: number) => unknown,
  options: ConcurrencyOptions,
  flatten: boolean,
): Operator<I, O> {
  const concurrency = options.concurrency as number;
  const maxBuffered = options.maxBuffered ?? defaultMaxBuffered(concurrency);
  const ordered = options.ordered ?? true;
  return generatorOperator(
    label,
    (source: AnyIterable<I>) =>
      runConcurrent(fn, concurrency, maxBuffered, ordered, flatten, source) as AsyncGenerator<O, void, undefined>,
  );
}
