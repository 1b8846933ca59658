/**
 * The fusion kernel: per-item operators (map, filter, flatMap, take, scan, batch, ...) compiled into a
 * chain of steps that push values synchronously into each other, transducer style. A fused group runs
 * as one loop with no promise or stream boundary between its operators; only an async user function
 * (one that returns a promise) makes the kernel wait, and then only for that item.
 *
 * A step's `push(value)` returns `undefined` when the value (and everything it caused downstream) was
 * handled synchronously, or a promise when it had to wait. Callers await only in the latter case. The
 * terminal may also make a push wait: when its output buffer is full (one input spreading into very
 * many items, e.g. a flatMap over an endless generator) it returns a promise that settles once the
 * consumer has taken the items, so a step emitting many items per input continues later instead of
 * filling memory. A step therefore always finishes an item after an awaited push, never assumes it
 * is synchronous. When the consumer leaves while a push waits that promise rejects (see
 * `CONSUMER_LEFT`), and each step unwinds as it does for an error (a flatMap returns its inner
 * iterator).
 *
 * Used by every fusable operator as a plain generator stage (`fuseGen`), by `chain()` inside a Duplex,
 * and by `pipe()`/`run()`.
 */
import { FusedRun } from './fused-run.js';
import { inlineRuns } from './inline.js';
import { isLineItems, markLineItems } from './line-items.js';
import { tagError } from './stage-error.js';

export type Pending = void | Promise<void>;

/**
 * The state of one run of a fused group: `stopped` is set when no more input is wanted (take). Each
 * step gets its own view of it (see `StepState`); the runner reads the run's own object.
 */
export interface KernelState {
  stopped: boolean;
}

/** The next step, or the terminal that collects output. */
export interface Push {
  push(value: unknown): Pending;
  /** The input ended (or a take() stopped it): emit what is held, then flush the next step. */
  flush(): Pending;
  /**
   * The consumer left early (`return()`, `break`, destroy, a stop from the stage below): no more input
   * and no flush will come, and nothing more is taken. A step with a last word says it now, without
   * emitting (progress reports `done`), then closes the next step. Never called after `flush()` or a
   * failure; may be called while a push waits.
   */
  close(): void;
}

/**
 * The rejection a waiting push gets when the consumer left (see the top of this file): it unwinds the
 * steps like an error, and the runner that sent it drops it. Never reaches user code.
 */
export const CONSUMER_LEFT: unique symbol = Symbol('genstream.consumerLeft') as never;

/**
 * Items a terminal takes from one push (or flush) beyond what its consumer asked for, before it makes
 * that push wait: only an input that spreads into this many items ever waits, so arrays of ordinary
 * size (and the lines of an ordinary chunk) never do.
 */
export const OUTPUT_LIMIT = 1024;

/** Base class of a fused step: `next` is linked by `compile`. */
export abstract class Step implements Push {
  next!: Push;
  /**
   * Set by map, filter and tap: adjacent steps of these kinds are compiled into one function
   * (inline.ts), and `resumeAsync` continues an item whose `fn` returned a promise.
   */
  inline?: 'map' | 'filter' | 'tap';
  /** Index of the chain stage this step came from, for error attribution. */
  stage = -1;
  label = '';
  abstract push(value: unknown): Pending;
  flush(): Pending {
    return this.next.flush();
  }
  close(): void {
    this.next.close();
  }
  /** Tags an error thrown by the user's function with this step's stage, then rethrows it. */
  protected fail(err: unknown): never {
    tagError(err, this.stage, this.label);
    throw err;
  }
}

/** A step around a user function `fn(item, index)`: errors it throws are tagged with the stage. */
export abstract class CallStep extends Step {
  /** The count passed as `fn`'s second argument (shared with the inlined fast path, see inline.ts). */
  index = 0;
  /** Tags and rethrows a rejection of an async `fn` (bound once per step, not per item). */
  readonly reject = (err: unknown): never => this.fail(err);

  constructor(readonly fn: (item: unknown, index: number) => unknown) {
    super();
  }

  /** Tags `err` with this step's stage and rethrows it (for the inlined fast path). */
  rethrow(err: unknown): never {
    return this.fail(err);
  }

  /** Calls `fn` on one item; a throw is tagged with this stage and rethrown. */
  protected call(value: unknown): unknown {
    try {
      return this.fn(value, this.index++);
    } catch (err) {
      return this.fail(err);
    }
  }
}

/** What a step learns about its input when its group is compiled. */
export interface StepContext {
  /** Its input items are whole lines (the output of `lines()`, maybe filtered): see line-items.ts. */
  lineItems: boolean;
}

/** Makes a fresh step (with fresh per-run state) for one run of a fused group. */
export type StepFactory = (state: KernelState, ctx: StepContext) => Step;

/** Marks a stage function as fusable: `[kFuse]` makes its step. */
export const kFuse: unique symbol = Symbol.for('genstream.fuse') as never;

export interface FusableInfo {
  factory: StepFactory;
  label: string;
  /** The step passes items through unchanged (filter, take, ...): a source of lines stays one. */
  keepsItems?: boolean;
  /** The step's output items are whole lines (`lines()`). */
  makesLines?: boolean;
  /**
   * One input may become endlessly many items (flatMap): a run with such a step lets its terminal make
   * a push wait for the consumer (see the top of this file). Others never pay for that.
   */
  spreads?: boolean;
}

type Infos = readonly { info: FusableInfo; stage: number }[];

/** Whether the items after the first `count` steps of `infos` are lines, given whether the group's input is. */
function linesAfter(infos: Infos, count: number, inputLines: boolean): boolean {
  for (let i = count - 1; i >= 0; i--) {
    const info = infos[i].info;
    if (info.makesLines === true) return true;
    if (info.keepsItems !== true) return false;
  }
  return inputLines;
}

/** `true` when a fused group over `source` yields lines (so a following ndjsonParse parses each item). */
export function fusedYieldsLines(infos: Infos, source: unknown): boolean {
  return linesAfter(infos, infos.length, isLineItems(source));
}

/** `fuseGen`, marked as yielding lines when it does (see line-items.ts). */
export function fuseStage<O>(infos: Infos, source: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<O, void, undefined> {
  const out = fuseGen<O>(infos, source);
  return fusedYieldsLines(infos, source) ? markLineItems(out) : out;
}

export function fusableOf(value: unknown): FusableInfo | undefined {
  return typeof value === 'function' ? ((value as unknown as Record<symbol, FusableInfo | undefined>)[kFuse]) : undefined;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value != null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * What the step at `position` in a fused group sees of its run's state. A stop (take, takeWhile) means
 * "no more input" for the steps *before* the one that stopped (an upstream flatMap stops spreading),
 * while the steps after it must still handle the item it passed on (a downstream flatMap spreads it
 * whole). So `stopped` reads true once this step or a later one stopped; setting it stops the run.
 */
class StepState implements KernelState {
  constructor(
    private readonly run: { root: KernelState; stopper: number },
    private readonly position: number,
  ) {}

  get stopped(): boolean {
    return this.run.stopper >= this.position;
  }

  set stopped(value: boolean) {
    if (!value) return;
    if (this.position > this.run.stopper) this.run.stopper = this.position;
    this.run.root.stopped = true;
  }
}

/** Links fresh steps for `infos` in order, ending in `terminal`; returns the head. */
export function compile(infos: Infos, terminal: Push, state: KernelState, inputLines = false): Push {
  const run = { root: state, stopper: -1 };
  let next: Push = terminal;
  for (let i = infos.length - 1; i >= 0; i--) {
    const step = infos[i].info.factory(new StepState(run, i), { lineItems: linesAfter(infos, i, inputLines) });
    step.stage = infos[i].stage;
    step.label = infos[i].info.label;
    step.next = next;
    next = step;
  }
  return inlineRuns(next);
}

/**
 * Runs a fused group as an async iterator over any iterable: the form every fusable operator takes
 * when used on its own (in plain `for await` code) and under `pipe()`/`run()`. Sync sources are
 * iterated without promises. Early stop (take) returns the source, so its `finally` runs.
 */
export function fuseGen<O>(infos: Infos, source: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<O, void, undefined> {
  return new FusedRun<O>(infos, source);
}
