/**
 * Who added which listener to a test-owned emitter. A listener counts as genstream's when the first
 * stack frame outside Node's internals (and outside this file) that added it is in `lib/`: genstream
 * code, or Node code genstream called (e.g. `Readable[Symbol.asyncIterator]` opened by `merge`). Node's
 * own `pipeline`, called by the test, leaves end-of-stream listeners on every stream it was given; those
 * are not genstream's and are ignored, so foreign streams inside a `pipeline` can be checked too.
 */
import type { EventEmitter } from 'node:events';

interface Entry {
  event: string | symbol;
  fn: (...args: unknown[]) => unknown;
  by: string;
}

const LIB = /[/\\]lib[/\\][^()]*\.ts:\d+/;

/** The `lib/` location that added a listener, if genstream did. */
function blame(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    // Node's `src.pipe(dest)` (set up by the test's `pipeline`) adds its `'drain'` listener lazily, from
    // its `'data'` handler, which may run inside a genstream `push()`: that listener is Node's.
    if (/\bondata\b/.test(line)) return undefined;
    if (line.includes('node:') || line.includes('listeners.ts') || line.includes('<anonymous>')) continue;
    const m = LIB.exec(line);
    return m ? m[0].replace(/^.*[/\\]lib[/\\]/, 'lib/') : undefined;
  }
  return undefined;
}

export class ListenerLedger {
  private readonly entries: Entry[] = [];

  constructor(private readonly emitter: EventEmitter) {
    for (const method of ['on', 'addListener', 'prependListener'] as const) {
      const original = emitter[method].bind(emitter);
      emitter[method] = ((event: string | symbol, fn: (...args: unknown[]) => unknown) => {
        const by = blame();
        if (by !== undefined) this.entries.push({ event, fn, by });
        return original(event, fn);
      }) as never;
    }
  }

  /** genstream's listeners still attached: `'error' (added at lib/internal/reader.ts:20)`. */
  leftovers(): string[] {
    const out: string[] = [];
    for (const e of this.entries) {
      if (this.emitter.rawListeners(e.event).includes(e.fn)) out.push(`'${String(e.event)}' (added at ${e.by})`);
    }
    return out;
  }
}
