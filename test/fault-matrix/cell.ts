/**
 * The fault matrix's dimensions and the state of one cell: which fault to inject where and when, the
 * error object it uses, and the probes (generator `finally` counts, custom `_destroy` counts, watched
 * emitters) the assertions read at the end.
 *
 * Vocabulary (each building block in `parts.ts` follows it):
 * - A *position*'s code points: `'start'` (before it handles its first item), an item index `i` (when
 *   item `i` reaches it, after `i` items went through), `'flush'` (after its input ended: a generator's
 *   code after its loop, a Transform's `_flush`, a sink's code after its loop or a Writable's `_final`).
 * - *Internal* kinds (`throw`, `reject`, `return`) are done by the faulty element's own code at its code
 *   point. *External* kinds (`error-event`, `destroy-err`, `destroy`, `abort`) are done to the faulty
 *   element (its stream, or the AbortController of its `signal`) by `cell.fire()`, at a moment that
 *   depends only on the timing (see {@link Cell.fire}).
 * - `take` is a `take(n)` operator placed directly downstream of the position.
 */
import { getEventListeners, type EventEmitter } from 'node:events';
import { ListenerLedger } from './listeners.js';
import { STREAM_EVENTS, ticks } from '../helpers.js';

export const TOPOLOGIES = [
  'pipeline',
  'chain-foreign',
  'run',
  'pipe',
  'chain-readable',
  'chain-writable',
  'chain-run',
  'fromWritable',
  'toGen',
  'map-concurrent',
  'merge',
  'zip',
  'tee',
] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const POSITIONS = ['source', 'middle', 'sink'] as const;
export type Position = (typeof POSITIONS)[number];

export const TIMINGS = ['before-first', 'mid-stream', 'flush', 'backpressure', 'before-read'] as const;
export type Timing = (typeof TIMINGS)[number];

export const KINDS = ['throw', 'reject', 'error-event', 'destroy-err', 'destroy', 'abort', 'return', 'take'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * Items per source: more than the topologies buffer (their high-water marks below), so no source or
 * stage can run to its end before the consumer has taken a few items, and a fault at `K` or before
 * the first read meets elements that are still running.
 */
export const N = 20;
/** Mid-stream and backpressure faults happen when item K arrives (after K items went through). */
export const K = 3;
/** Macrotasks a consumer waits before its first read (`before-read`) or before a backpressure fault. */
export const DELAY_TICKS = 3;

export type Point = 'start' | 'flush' | number;
export type Action = 'throw' | 'reject' | 'return';

const INTERNAL: ReadonlySet<Kind> = new Set<Kind>(['throw', 'reject', 'return']);
const EXTERNAL: ReadonlySet<Kind> = new Set<Kind>(['error-event', 'destroy-err', 'destroy', 'abort']);
export const isInternal = (kind: Kind): boolean => INTERNAL.has(kind);
export const isExternal = (kind: Kind): boolean => EXTERNAL.has(kind);

/** The error every fault of a cell uses: unique per cell, so identity (`toBe`) is meaningful. */
export class FaultError extends Error {
  override name = 'FaultError';
  constructor(readonly cell: string) {
    super(`fault injected by cell "${cell}"`);
  }
}

/** The n of the `take(n)` a cell places (`take` kind). */
export function takeCount(timing: Timing): number {
  switch (timing) {
    case 'before-first':
      return 0;
    case 'flush':
      return N; // stops exactly at the last item, racing the source's own end
    default:
      return K;
  }
}

/** Where a position acts for a timing (internal kinds). */
function pointOf(pos: Position, timing: Timing): Point {
  switch (timing) {
    case 'before-read':
      return 'start';
    case 'before-first':
      return pos === 'sink' ? 0 : 'start'; // the sink: on the first item, before using it
    case 'flush':
      return 'flush';
    default:
      return K;
  }
}

interface GenProbe {
  started: number;
  finallies: number;
}

export interface Watched {
  label: string;
  emitter: NodeJS.EventEmitter | AbortSignal;
  /** AbortSignals: `'abort'` listener counts before. */
  before: Record<string, number>;
  /** Streams: who added which listener. */
  ledger: ListenerLedger | null;
}

/** A stream owned by the test: its `_destroy` must run exactly once. */
export interface Counted {
  label: string;
  destroys(): number;
}

/** What an external kind acts on. */
export interface Target {
  label: string;
  stream?: NodeJS.EventEmitter & { destroy(err?: Error): unknown };
  controller?: AbortController;
}

export class Cell {
  readonly name: string;
  readonly err: FaultError;
  /**
   * The high-water mark of every adapter, fake stream and tee buffer: 1 in `backpressure` and
   * `before-read` cells (the producer blocks at once), else 2.
   */
  readonly hwm: number;
  readonly slow: boolean;
  readonly gens = new Map<string, GenProbe>();
  readonly counted: Counted[] = [];
  readonly watched: Watched[] = [];
  /** Problems found by the building blocks themselves (reported before anything else). */
  readonly problems: string[] = [];
  /** Every error object created by this cell, to attribute late unhandled rejections. */
  readonly ownErrors = new Set<unknown>();
  target: Target | null = null;
  controller: AbortController | null = null;
  /** The fault was injected (an internal action taken, or the external one fired). */
  injected = false;

  constructor(
    readonly topo: Topology,
    readonly pos: Position,
    readonly timing: Timing,
    readonly kind: Kind,
  ) {
    this.name = `${topo} × ${pos} × ${timing} × ${kind}`;
    this.err = new FaultError(this.name);
    this.ownErrors.add(this.err);
    this.hwm = timing === 'backpressure' || timing === 'before-read' ? 1 : 2;
    this.slow = timing === 'backpressure';
  }

  get internal(): boolean {
    return isInternal(this.kind);
  }

  get external(): boolean {
    return isExternal(this.kind);
  }

  /** The AbortSignal for the faulty element (abort cells), created once. */
  signalFor(faulty: boolean): AbortSignal | undefined {
    if (!faulty || this.kind !== 'abort') return undefined;
    if (this.controller === null) {
      this.controller = new AbortController();
      this.watch('AbortSignal', this.controller.signal);
    }
    return this.controller.signal;
  }

  /** The probe of a generator (created at first use). */
  gen(label: string): GenProbe {
    let probe = this.gens.get(label);
    if (probe === undefined) {
      probe = { started: 0, finallies: 0 };
      this.gens.set(label, probe);
    }
    return probe;
  }

  /**
   * Records an emitter that outlives the cell: a signal's `'abort'` listener count must come back to
   * what it was; a stream must not keep any listener genstream added (see `listeners.ts`).
   */
  watch(label: string, emitter: NodeJS.EventEmitter | AbortSignal): void {
    const ledger = emitter instanceof AbortSignal ? null : new ListenerLedger(emitter as EventEmitter);
    this.watched.push({ label, emitter, before: listenerSnapshot(emitter), ledger });
  }

  /** genstream's listeners left on the watched emitters (streams), `'abort'` count changes (signals). */
  listenerLeaks(): string[] {
    const out: string[] = [];
    for (const w of this.watched) {
      if (w.ledger !== null) {
        const left = w.ledger.leftovers();
        if (left.length > 0) out.push(`${w.label}: ${left.join(', ')}`);
        continue;
      }
      const now = listenerSnapshot(w.emitter);
      const changed = Object.keys(now).filter((e) => now[e] !== w.before[e]);
      if (changed.length > 0) out.push(`${w.label}: ${changed.map((e) => `'${e}' ${w.before[e]} → ${now[e]}`).join(', ')}`);
    }
    return out;
  }

  /**
   * The internal action the faulty element at `pos` takes at `point`, if any. Elements that are not
   * the cell's faulty element never call this with `faulty` true.
   */
  at(pos: Position, point: Point): Action | undefined {
    if (pos !== this.pos || !this.internal || pointOf(pos, this.timing) !== point) return undefined;
    this.injected = true;
    return this.kind as Action;
  }

  /** Called by the faulty element at `pos` at its flush point: fires an external fault in `flush` cells. */
  flushed(pos: Position): void {
    if (pos === this.pos && this.external && this.timing === 'flush') this.fire();
  }

  /**
   * Does the external fault (once). When: `before-first` — right after the topology was set up and its
   * consumer issued its first read; `before-read` — while the consumer waits before its first read;
   * `mid-stream` — when the consumer has received K items; `backpressure` — DELAY_TICKS macrotasks
   * after the slow consumer received K items (the producer is then blocked); `flush` — from the faulty
   * element's flush point ({@link flushed}).
   */
  fire(): void {
    if (this.injected || !this.external) return;
    this.injected = true;
    const target = this.target;
    if (target === null) {
      this.problems.push('test bug: no target for the external fault');
      return;
    }
    switch (this.kind) {
      case 'abort':
        if (target.controller === undefined) this.problems.push('test bug: no AbortController');
        else target.controller.abort();
        return;
      case 'error-event': {
        const stream = target.stream!;
        if (stream.listenerCount('error') === 0) {
          // Emitting now would throw (crash the process in plain Node): nobody listens for errors on a
          // stream genstream was given and is reading or writing.
          this.problems.push(`uncaught 'error' event: no 'error' listener on ${target.label} when it emitted 'error' (${this.timing}); the process would crash`);
          stream.destroy(this.err);
          return;
        }
        stream.emit('error', this.err);
        return;
      }
      case 'destroy-err':
        target.stream!.destroy(this.err);
        return;
      case 'destroy':
        target.stream!.destroy();
        return;
    }
  }

  /** The consumer's hook before its first read (the `sink` lane only fires). */
  async beforeRead(fires: boolean): Promise<void> {
    if (this.timing !== 'before-read') return;
    await ticks(DELAY_TICKS);
    if (fires) this.fire();
  }

  /**
   * The consumer's hook after it recorded `count` items: fires a `mid-stream` fault now; returns a
   * promise to wait for when the consumer is slow or fires a `backpressure` fault (else nothing, so a
   * fast consumer takes no extra turn).
   */
  afterItem(count: number, fires: boolean, slow: boolean): Promise<void> | undefined {
    if (fires && count === K && this.external) {
      if (this.timing === 'mid-stream') this.fire();
      else if (this.timing === 'backpressure') {
        return ticks(DELAY_TICKS).then(() => {
          this.fire();
          if (slow) return ticks(1);
        });
      }
    }
    return slow ? ticks(1) : undefined;
  }
}

/** Listener counts of the events adapters use (a signal: its `'abort'` listeners). */
export function listenerSnapshot(emitter: NodeJS.EventEmitter | AbortSignal): Record<string, number> {
  const out: Record<string, number> = {};
  if (emitter instanceof AbortSignal) {
    out.abort = abortCount(emitter);
    return out;
  }
  for (const e of STREAM_EVENT_NAMES) out[e] = emitter.listenerCount(e);
  return out;
}

const STREAM_EVENT_NAMES: readonly string[] = STREAM_EVENTS;
function abortCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** A rejection after one macrotask (an asynchronous failure, unlike a synchronous throw). */
export function rejectSoon(err: unknown): Promise<never> {
  return new Promise<never>((_, reject) => setImmediate(() => reject(err)));
}
