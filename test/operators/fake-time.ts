/**
 * Fake time for the time-aware operator tests (throttle, batch with maxWaitMs, progress), so their
 * timing assertions are exact instead of real-clock bounds with slack.
 *
 * The operators wait with `setTimeout` and read the clock with `performance.now()`, so both are faked
 * (and `Date`, `setInterval` for good measure). `setImmediate`, `process.nextTick` and microtasks stay
 * real: Node streams and the `tick()` helper need them, and a real macrotask between fake timers is
 * what lets promise chains move on.
 */
import { afterEach, beforeEach, vi } from 'vitest';

export const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] as const;

/** Installs fake time for every test of the calling `describe` (and restores real timers after each). */
export function useFakeTime(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: [...FAKED] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** The fake clock, in ms since fake time was installed (what the operators see as `performance.now()`). */
export const now = (): number => performance.now();

/**
 * Runs fake time forward, one timer at a time (each step lets microtasks and one real macrotask run),
 * until `promise` settles; resolves or rejects like it. Fake time does not pass by itself, so a
 * promise that waits on a timer never settles without this; `maxSteps` is the hang guard.
 */
export async function settleWithFakeTime<T>(promise: Promise<T>, maxSteps = 1000): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let step = 0; !settled; step++) {
    if (step >= maxSteps) throw new Error(`hang guard: not settled after ${maxSteps} steps of fake time (now ${now()} ms)`);
    await vi.advanceTimersToNextTimerAsync();
  }
  return promise;
}

/** Whether `promise` has settled, after letting microtasks and a few real macrotasks run (no fake time passes). */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5 && !settled; i++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

/** A promise that resolves after `ms` of (fake, when installed) time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
