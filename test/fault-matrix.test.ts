/**
 * The fault matrix (issue 13): topology × fault position × timing × kind, generated from the
 * descriptors in `test/fault-matrix/`. Each cell asserts that
 * 1. it settles (a hang guard only: HANG_MS, real unref'd timer);
 * 2. every consumer gets the original error object (`toBe`), or the documented one: `destroy()` with no
 *    error → `ERR_STREAM_PREMATURE_CLOSE` (README: fromReadable; elsewhere Node's `pipeline` and
 *    `finished` semantics, which the docs do not state: see "Debatable" below), abort → an `AbortError`
 *    (`code: 'ABORT_ERR'`, README "Options everywhere"), `return`/`take` → no error; a run-only
 *    `chain(source, ...stages, sink)` destroyed from outside (with no error, or by its `signal`) →
 *    an `AbortError` (chain's TSDoc);
 * 3. every generator that started ran its `finally` exactly once, and every test-owned stream's
 *    `_destroy` ran exactly once (`run()` cells: already when `run()` settles, as its TSDoc promises;
 *    chain-run cells: when `finished()` settles, unless the run stream itself was stopped from outside);
 * 4. no `unhandledRejection`/`uncaughtException` during the cell;
 * 5. no listener genstream added is left on the test-owned emitters it was handed (foreign Readables,
 *    Transforms, Writables: see `fault-matrix/listeners.ts`, which tells genstream's listeners from the
 *    ones Node's own `pipeline` leaves), and AbortSignals' `'abort'` listener counts are back;
 * 6. what reached each consumer is an in-order prefix of the expected output with no duplicates, and
 *    all of it when the cell is expected to succeed.
 * A failing cell reports every symptom it has, each tagged with its category. The summary (afterAll)
 * prints the matrix size, the pass count and the failing cells per category; with
 * `FAULT_MATRIX_JSON=/path/file.json` it also writes every cell's symptoms there.
 *
 * Excluded combinations are listed by `exclusion()` in `test/fault-matrix/topologies.ts`, each with
 * its reason; the summary prints how many each reason removed.
 *
 * Debatable expectations (the docs are silent; Node's semantics were picked):
 * - `destroy()` on a stream inside `pipeline`, on a Readable iterated by merge/zip/tee/toGen/
 *   fromWritable/map, on a Transform in toGen/chain/pipe/run, or on a Writable given to fromWritable:
 *   `ERR_STREAM_PREMATURE_CLOSE` (what `pipeline`/`finished`/`Readable[Symbol.asyncIterator]` give).
 * - `destroy()` on the sink Writable during its `_final` (sink × flush × destroy): no error, every item
 *   delivered — Node's `finished()` counts an ended Writable with nothing buffered as finished, so its
 *   `pipeline` resolves (and `fromWritable` does too), though `'finish'` never came.
 * - `tee`: a fault in branch 0's stage or consumer fails branch 0 only; branch 1 still gets everything
 *   (branch 0 runs its stage through `pipe()`, so genstream is the one that must return the branch).
 * - `run()`'s at-settle cleanup check (3.) follows its TSDoc ("the stages and the source are returned
 *   (their finally runs) before run() resolves"), which conflicts with toGen not waiting for a feed
 *   that waits inside its source (DESIGN-NOTES §2).
 * - chain-run's at-settle cleanup check (3.) holds it to `run()`'s promise: chain's TSDoc calls `run()`
 *   "the promise form" of the run-only chain, which is destroyed only once the run has ended. A run
 *   stream stopped from outside settles at once (it never waits on user code, DESIGN-NOTES §2), so
 *   those cells only get the grace period, as stream topologies do.
 * - A `for await` over the chain Readable (chain-readable) awaits none of its teardown (a `break`
 *   destroys it; `'close'` releases the source and stages later): grace period only, like `pipe`'s
 *   stream stages. A stream kind at its consumer's flush point comes after the loop has seen the end,
 *   when the Readable has already destroyed itself: a no-op, so no error and every item.
 * - Listeners left on a foreign Readable iterated by merge/zip/tee/map/toGen/fromWritable come from
 *   Node's own `Readable[Symbol.asyncIterator]` (it leaves them on Node 20.20, even after a full read),
 *   which genstream calls; the README promises "no listener left behind", so they count.
 */
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tick, ticks } from './helpers.js';
import { Cell, FaultError, KINDS, N, POSITIONS, takeCount, TIMINGS, TOPOLOGIES, K, type Kind, type Position, type Timing, type Topology } from './fault-matrix/cell.js';
import { itemsOf, type Lane } from './fault-matrix/parts.js';
import { BUILDERS, exclusion, SHAPES, type Shape } from './fault-matrix/topologies.js';

/** Hang guard per cell. A healthy cell settles in a few milliseconds. */
const HANG_MS = 500;
/** How long cleanup may trail the settling of a cell (a generator's finally after a stream's close). */
const GRACE_MS = 20;

type Category = 'hang' | 'wrong error' | 'finally count' | 'destroy count' | 'unhandled' | 'listener leak' | 'items' | 'harness';

interface Symptom {
  category: Category;
  message: string;
}

interface CellResult {
  name: string;
  topo: Topology;
  pos: Position;
  timing: Timing;
  kind: Kind;
  symptoms: Symptom[];
}

// --- the descriptors -----------------------------------------------------------------------------

interface Descriptor {
  topo: Topology;
  pos: Position;
  timing: Timing;
  kind: Kind;
}

const cells: Descriptor[] = [];
const excluded = new Map<string, number>();
for (const topo of TOPOLOGIES) {
  for (const pos of POSITIONS) {
    for (const timing of TIMINGS) {
      for (const kind of KINDS) {
        const why = exclusion(topo, pos, timing, kind);
        if (why === undefined) cells.push({ topo, pos, timing, kind });
        else excluded.set(why, (excluded.get(why) ?? 0) + 1);
      }
    }
  }
}

// --- expectations --------------------------------------------------------------------------------

type ErrorExpect = 'none' | 'same' | 'premature-close' | 'abort';

interface Expect {
  error: ErrorExpect;
  /** The sequences items may come from (merge: one per source), already cut by an early stop. */
  seqs: unknown[][];
  /** merge with a cut on the merged output: how many items in all (`null`: every item of `seqs`). */
  total: number | null;
}

function baseSeqs(shape: Shape): unknown[][] {
  const a = itemsOf(0, N);
  if (shape === 'merge') return [a, itemsOf(100, N)];
  if (shape === 'zip') return [a.map((i) => [i, 100 + i])];
  return [a];
}

/** How many items pass a middle `return` or a sink `return` (undefined: no cut). */
function returnCut(pos: Position, timing: Timing): number | undefined {
  if (timing === 'before-read' || timing === 'before-first') return 0;
  if (timing === 'flush') return pos === 'sink' ? undefined : 0;
  return K;
}

function expectFor(cell: Cell, shape: Shape, lane: Lane): Expect {
  const seqs = baseSeqs(shape);
  // tee: a fault in branch 0's stage or consumer does not reach branch 1; a source fault reaches both.
  const affected = lane.role === 'sink' || cell.pos === 'source';
  if (!affected) return { error: 'none', seqs, total: null };
  let total: number | null = null;
  const cutOutput = (n: number): void => {
    if (shape === 'merge') total = n;
    else seqs[0] = seqs[0].slice(0, n);
  };
  // The chain Readable has ended (and auto-destroyed itself) before its consumer's flush point: a
  // destroy or an abort then is a no-op, and the loop has already seen everything.
  if (cell.topo === 'chain-readable' && cell.pos === 'sink' && cell.timing === 'flush' && cell.external) return { error: 'none', seqs, total };
  let error: ErrorExpect = 'none';
  switch (cell.kind) {
    case 'throw':
    case 'reject':
    case 'error-event':
    case 'destroy-err':
      error = 'same';
      break;
    case 'destroy':
      // A Writable destroyed in `_final` has ended with nothing buffered: Node's `finished()` and
      // `pipeline` count that as finished, not as a premature close (debatable, see the header).
      error = cell.pos === 'sink' && cell.timing === 'flush' ? 'none' : 'premature-close';
      // A run-only chain destroyed from outside reports an AbortError (its TSDoc), whenever it is.
      if (stopsRunStream(cell)) error = 'abort';
      break;
    case 'abort':
      error = 'abort';
      break;
    case 'take': {
      const n = takeCount(cell.timing);
      if (cell.pos === 'source') seqs[0] = seqs[0].slice(0, n);
      else cutOutput(n);
      break;
    }
    case 'return': {
      const n = returnCut(cell.pos, cell.timing);
      if (n !== undefined) cutOutput(n);
      break;
    }
  }
  return { error, seqs, total };
}

/** The cell stops a run-only chain from outside (`destroy`, `destroy(err)` or its `signal`). */
function stopsRunStream(cell: Cell): boolean {
  return cell.topo === 'chain-run' && cell.pos === 'sink' && cell.external;
}

/**
 * `run()` and the run-only chain: cleanup is done when they settle (run's TSDoc; a chain run is
 * destroyed once the run ended, which `run()` awaits too) — except a run stream stopped from outside,
 * which never waits on user code (DESIGN-NOTES §2).
 */
function cleanedAtSettle(cell: Cell): boolean {
  return cell.topo === 'run' || (cell.topo === 'chain-run' && !stopsRunStream(cell));
}

// --- checks --------------------------------------------------------------------------------------

function describeValue(value: unknown, cell: Cell): string {
  if (value === cell.err) return 'the original FaultError';
  if (value instanceof FaultError) return `the FaultError of another cell ("${value.cell}")`;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${value.message.slice(0, 160)}`;
  }
  return `${typeof value} ${String(value).slice(0, 80)}`;
}

function checkError(settled: PromiseSettledResult<unknown>, exp: ErrorExpect, cell: Cell, lane: Lane): Symptom[] {
  const where = lane.role === 'sink' ? '' : ` (${lane.label})`;
  const wrong = (message: string): Symptom[] => [{ category: 'wrong error', message: message + where }];
  if (exp === 'none') {
    return settled.status === 'fulfilled' ? [] : wrong(`expected to resolve, rejected with ${describeValue(settled.reason, cell)}`);
  }
  const wanted = { same: 'the original error object', 'premature-close': 'ERR_STREAM_PREMATURE_CLOSE', abort: 'an AbortError' }[exp];
  if (settled.status === 'fulfilled') return wrong(`resolved, expected ${wanted}`);
  const err = settled.reason as { name?: unknown; code?: unknown } | null | undefined;
  const ok =
    exp === 'same'
      ? err === cell.err
      : exp === 'premature-close'
        ? err?.code === 'ERR_STREAM_PREMATURE_CLOSE'
        : err?.name === 'AbortError' && err?.code === 'ABORT_ERR';
  return ok ? [] : wrong(`rejected with ${describeValue(err, cell)}, expected ${wanted}`);
}

function isPrefix(got: unknown[], of: unknown[]): boolean {
  if (got.length > of.length) return false;
  for (let i = 0; i < got.length; i++) if (!isDeepStrictEqual(got[i], of[i])) return false;
  return true;
}

const show = (items: unknown[]): string => JSON.stringify(items);

function checkItems(shape: Shape, lane: Lane, exp: Expect): Symptom[] {
  const out: Symptom[] = [];
  const where = lane.role === 'sink' ? '' : ` (${lane.label})`;
  const parts: unknown[][] =
    shape === 'merge'
      ? [lane.arrived.filter((x) => (x as number) < 100), lane.arrived.filter((x) => (x as number) >= 100)]
      : [lane.arrived];
  const dups = lane.arrived.filter((x, i) => lane.arrived.findIndex((y) => isDeepStrictEqual(x, y)) !== i);
  if (dups.length > 0) out.push({ category: 'items', message: `duplicated items ${show(dups)}${where}` });
  parts.forEach((got, i) => {
    const seq = exp.seqs[i];
    if (!isPrefix(got, seq)) out.push({ category: 'items', message: `got ${show(got)}: not an in-order prefix of ${show(seq)}${where}` });
    else if (exp.error === 'none' && exp.total === null && got.length < seq.length) {
      out.push({ category: 'items', message: `lost items: got ${show(got)}, expected ${show(seq)}${where}` });
    }
  });
  if (exp.error === 'none' && exp.total !== null && lane.arrived.length !== exp.total) {
    out.push({ category: 'items', message: `got ${lane.arrived.length} items ${show(lane.arrived)}, expected ${exp.total}${where}` });
  }
  return out;
}

function cleanupSymptoms(cell: Cell, when: string): Symptom[] {
  const out: Symptom[] = [];
  for (const [label, g] of cell.gens) {
    if (g.started > 1) out.push({ category: 'finally count', message: `generator "${label}" started ${g.started} times` });
    if (g.finallies !== g.started) {
      out.push({ category: 'finally count', message: `generator "${label}" started but its finally ran ${g.finallies} times${when}` });
    }
  }
  for (const c of cell.counted) {
    const n = c.destroys();
    if (n !== 1) out.push({ category: 'destroy count', message: `${c.label}._destroy ran ${n} times${when}` });
  }
  return out;
}

function listenerSymptoms(cell: Cell): Symptom[] {
  return cell.listenerLeaks().map((message): Symptom => ({ category: 'listener leak', message }));
}

function cleanedUp(cell: Cell): boolean {
  for (const g of cell.gens.values()) if (g.finallies < g.started) return false;
  for (const c of cell.counted) if (c.destroys() < 1) return false;
  return listenerSymptoms(cell).length === 0;
}

/** Waits (bounded) for cleanup that may trail the settle, then a few more turns for stray events. */
async function grace(cell: Cell): Promise<void> {
  const until = performance.now() + GRACE_MS;
  while (!cleanedUp(cell) && performance.now() < until) await tick();
  await ticks(3);
}

function hangGuard<T>(promise: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- unhandled rejections / uncaught exceptions, for the whole file ------------------------------

interface Unhandled {
  reason: unknown;
  type: 'unhandledRejection' | 'uncaughtException';
  during: string | null;
}
const unhandled: Unhandled[] = [];
let active: Cell | null = null;
const onRejection = (reason: unknown): void => void unhandled.push({ reason, type: 'unhandledRejection', during: active?.name ?? null });
const onException = (reason: unknown): void => void unhandled.push({ reason, type: 'uncaughtException', during: active?.name ?? null });
/** Unhandled errors that belong to an earlier cell (a FaultError names its cell). */
const late: { cell: string; during: string | null; what: string }[] = [];

function unhandledSymptoms(cell: Cell): Symptom[] {
  const out: Symptom[] = [];
  for (let i = unhandled.length - 1; i >= 0; i--) {
    const u = unhandled[i];
    const owner = u.reason instanceof FaultError ? u.reason.cell : u.during;
    if (owner === cell.name) {
      out.push({ category: 'unhandled', message: `${u.type}: ${describeValue(u.reason, cell)}` });
      unhandled.splice(i, 1);
    } else if (owner !== null && owner !== cell.name && u.reason instanceof FaultError) {
      late.push({ cell: owner, during: u.during, what: `${u.type}: ${describeValue(u.reason, cell)}` });
      unhandled.splice(i, 1);
    }
  }
  return out;
}

const results: CellResult[] = [];

beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});

afterAll(async () => {
  await ticks(3);
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  const failed = results.filter((r) => r.symptoms.length > 0);
  const byCategory = new Map<Category, number>();
  for (const r of failed) for (const c of new Set(r.symptoms.map((s) => s.category))) byCategory.set(c, (byCategory.get(c) ?? 0) + 1);
  const lines = [
    `fault matrix: ${cells.length} cells, ${results.length - failed.length} passed, ${failed.length} failed` +
      ` (${[...excluded.values()].reduce((a, b) => a + b, 0)} combinations excluded)`,
    ...[...byCategory].map(([c, n]) => `  ${c}: ${n} cells`),
    ...[...excluded].map(([why, n]) => `  excluded ${n}: ${why}`),
  ];
  if (late.length > 0) lines.push(`  late unhandled errors from earlier cells: ${late.length}`);
  console.log(lines.join('\n'));
  const file = process.env.FAULT_MATRIX_JSON;
  if (file) writeFileSync(file, JSON.stringify({ cells: cells.length, results, late, excluded: [...excluded] }, null, 1));
});

// --- the cells -----------------------------------------------------------------------------------

async function runCell(d: Descriptor): Promise<Symptom[]> {
  const cell = new Cell(d.topo, d.pos, d.timing, d.kind);
  active = cell;
  const shape = SHAPES[d.topo];
  const symptoms: Symptom[] = [];
  let lanes;
  try {
    lanes = BUILDERS[d.topo](cell).lanes;
    if (cell.timing === 'before-first') cell.fire();
  } catch (err) {
    symptoms.push({ category: 'wrong error', message: `set-up threw synchronously: ${describeValue(err, cell)}` });
    return symptoms;
  }
  const settled = await hangGuard(Promise.allSettled(lanes.map((l) => l.promise)), HANG_MS);
  if (settled === 'hang') {
    const pending = lanes.map((l) => `${l.lane.label} got ${show(l.lane.arrived)}`).join('; ');
    symptoms.push({ category: 'hang', message: `did not settle within ${HANG_MS} ms (${pending})` });
    symptoms.push(...cleanupSymptoms(cell, ' (by the hang)'));
    return [...cell.problems.map((p): Symptom => ({ category: 'unhandled', message: p })), ...symptoms];
  }
  // run(): "resolves ... once everything has finished"; stages and source returned before it resolves.
  if (cleanedAtSettle(cell)) symptoms.push(...cleanupSymptoms(cell, ` when ${d.topo === 'run' ? 'run()' : 'finished()'} settled`));
  await grace(cell);
  symptoms.push(...cell.problems.map((p): Symptom => ({ category: 'unhandled', message: p })));
  lanes.forEach((l, i) => {
    const exp = expectFor(cell, shape, l.lane);
    symptoms.push(...checkError(settled[i], exp.error, cell, l.lane));
    symptoms.push(...checkItems(shape, l.lane, exp));
  });
  symptoms.push(...cleanupSymptoms(cell, ''));
  // A harness check: every cell's fault really happened (take cells have none to inject).
  if (d.kind !== 'take' && !cell.injected) symptoms.push({ category: 'harness', message: 'the fault was never injected' });
  symptoms.push(...unhandledSymptoms(cell));
  symptoms.push(...listenerSymptoms(cell));
  return symptoms;
}

describe.each(TOPOLOGIES.map((t) => [t] as const))('fault matrix: %s', (topo) => {
  for (const d of cells.filter((c) => c.topo === topo)) {
    const name = `${d.topo} × ${d.pos} × ${d.timing} × ${d.kind}`;
    it(name, async () => {
      const symptoms = await runCell(d);
      results.push({ name, ...d, symptoms });
      expect(symptoms.map((s) => `[${s.category}] ${s.message}`), name).toEqual([]);
    });
  }
});

describe('fault matrix: after all cells', () => {
  it('no unhandled rejection arrived late from an earlier cell', async () => {
    await ticks(5);
    active = null;
    expect(late).toEqual([]);
  });
});
