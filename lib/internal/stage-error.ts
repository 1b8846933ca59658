/**
 * Which chain stage an error came from, without touching the error: a WeakMap from the error object to
 * the stage that raised it first. Read it with `failedStage(err)`.
 */

/** Where in a `chain()`/`pipe()`/`run()` an error was raised. */
export interface FailedStage {
  /** 0-based index of the stage in the call's stage list (for `pipe`/`run`, not counting the source). */
  index: number;
  /** What the stage is: `map`, `filter`, `generator "parse"`, `stream Transform`, ... */
  label: string;
}

/** `null`: the error was raised outside the stages (see `markExternal`). */
const origins = new WeakMap<object, FailedStage | null>();

/** Records the stage an error came from; the first record wins (it is the origin). */
export function tagError(err: unknown, index: number, label: string): void {
  if (index >= 0 && typeof err === 'object' && err !== null && !origins.has(err)) origins.set(err, { index, label });
}

/**
 * Records that `err` was raised outside the stages (by the source, or a destroy from outside), so that
 * a stage it then passes through (a generator rethrowing what its source threw) is not blamed for it.
 */
export function markExternal(err: unknown): void {
  if (typeof err === 'object' && err !== null && !origins.has(err)) origins.set(err, null);
}

/**
 * Tells which stage of a `chain()`, `pipe()` or `run()` raised `err` — the error object itself is never
 * altered or wrapped. `undefined` for errors that did not come from a stage (or non-object throws).
 *
 * @example
 * ```ts
 * import { failedStage, filter, map, run, toArray } from 'genstream';
 *
 * try {
 *   await run(['1', '2', 'x'], map((s) => { const n = Number(s); if (Number.isNaN(n)) throw new Error(`not a number: ${s}`); return n; }), filter((n) => n > 0), toArray);
 * } catch (err) {
 *   console.error(failedStage(err)); // { index: 0, label: 'map' }
 * }
 * ```
 */
export function failedStage(err: unknown): FailedStage | undefined {
  return typeof err === 'object' && err !== null ? (origins.get(err) ?? undefined) : undefined;
}
