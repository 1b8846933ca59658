/**
 * A one-waiter wake-up: `wait()` returns a promise that the next `notify()` resolves. Used where
 * generator code waits for a stream event (`'readable'`, `'drain'`, end or error) — one promise per
 * wait, i.e. per batch, never per item. `notify()` with nobody waiting does nothing.
 */
export class Wakeup {
  private wake: (() => void) | null = null;

  wait(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  notify(): void {
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }
}
