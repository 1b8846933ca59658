/**
 * The fused kernel's fast path: a run of adjacent map/filter/tap steps is compiled into ONE generated
 * function per fused group, with a separate call site for each user function, so V8 can inline them
 * the way it inlines the steps of one hand-written `_transform`. (A shared `push` method sees every
 * chain's functions and cannot inline any of them.) It is generated per instance on purpose: functions
 * made from one literal share type feedback, freshly compiled ones do not.
 *
 * Semantics are those of the step objects, which stay linked behind it: when a user function returns
 * a promise, the item continues through the original steps (`resumeAsync`), and a throw is tagged
 * with the stage of the step that threw (`rethrow`). Counters (`index`) live on the step objects.
 */
import type { Pending, Push, Step } from './kernel.js';

/** What an inlinable step exposes (map, filter, tap are CallSteps with `inline` set). */
interface InlineStep extends Step {
  readonly inline: 'map' | 'filter' | 'tap';
  readonly fn: (item: unknown, index: number) => unknown;
  index: number;
  /** Continues `value` after its `fn` returned `promise` (the slow, per-item async path). */
  resumeAsync(value: unknown, promise: PromiseLike<unknown>): Pending;
  rethrow(err: unknown): never;
}

const THENABLE = (r: string): string =>
  `(typeof ${r} === 'object' && ${r} !== null || typeof ${r} === 'function') && typeof ${r}.then === 'function'`;

function generate(kinds: readonly ('map' | 'filter' | 'tap')[]): string {
  const lines: string[] = ['"use strict";'];
  kinds.forEach((_, j) => lines.push(`const s${j} = S[${j}], f${j} = s${j}.fn;`));
  lines.push('return function fusedPush(v) {', '  let at = -1, r;', '  try {');
  kinds.forEach((kind, j) => {
    lines.push(`    at = ${j}; r = f${j}(v, s${j}.index++);`);
    if (kind === 'filter') {
      lines.push(`    if (r !== true) {`);
      lines.push(`      if (${THENABLE('r')}) { at = -1; return s${j}.resumeAsync(v, r); }`);
      lines.push(`      if (!r) return;`);
      lines.push(`    }`);
    } else {
      lines.push(`    if (${THENABLE('r')}) { at = -1; return s${j}.resumeAsync(v, r); }`);
      if (kind === 'map') lines.push('    v = r;');
    }
  });
  lines.push('    at = -1;', '    return next.push(v);', '  } catch (e) {', '    if (at !== -1) S[at].rethrow(e);', '    throw e;', '  }', '};');
  return lines.join('\n');
}

function isInline(p: Push): p is InlineStep {
  return (p as Partial<InlineStep>).inline !== undefined;
}

/** One generated function in place of `run` (two or more inlinable steps in a row). */
function compileRun(run: InlineStep[]): Push {
  const next = run[run.length - 1].next;
  const factory = new Function('S', 'next', generate(run.map((s) => s.inline))) as (
    S: InlineStep[],
    next: Push,
  ) => (value: unknown) => Pending;
  return { push: factory(run, next), flush: () => next.flush(), close: () => next.close() };
}

/** Replaces every run of two or more adjacent inlinable steps in the chain starting at `head`. */
export function inlineRuns(head: Push): Push {
  let result = head;
  let before: Step | null = null; // the step whose `next` leads into the current position
  let p: Push | undefined = head;
  while (p !== undefined && (p as Step).next !== undefined) {
    if (!isInline(p)) {
      before = p as Step;
      p = (p as Step).next;
      continue;
    }
    const run: InlineStep[] = [];
    let q: Push = p;
    while (isInline(q)) {
      run.push(q);
      q = q.next;
    }
    if (run.length >= 2) {
      const compiled = compileRun(run);
      if (before === null) result = compiled;
      else before.next = compiled;
    }
    before = run[run.length - 1];
    p = q;
  }
  return result;
}
