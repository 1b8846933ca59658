/**
 * The code every worker thread of a `parallelMap` stage runs. It is started from its own source text
 * (`new Worker(workerSource, { eval: true })`), so it works the same from lib/ under vitest, from the
 * ESM build and from the CJS build, with no extra file to ship or resolve. For that, `workerMain` must
 * be self-contained: nothing from outside its body but globals and the helpers it is called with
 * (their text goes along), and `import()` goes through `new Function` so no bundler rewrites it.
 */
import { restoreBuffers, scanValues, type BatchMessage, type BatchReply, type LoadFailure, type WireError, type WorkerReply, type WorkerSpec } from './wire.js';

function workerMain(scan: typeof scanValues, restore: typeof restoreBuffers): void {
  const importModule = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;
  // `import()`, not `require`: an eval worker is a CommonJS script, or an ES module when the process
  // runs with --input-type=module (workers inherit execArgv).
  void importModule('node:worker_threads').then((wt) => start(wt as unknown as typeof import('node:worker_threads')));

  function start({ parentPort, workerData }: typeof import('node:worker_threads')): void {
    const port = parentPort!;
    const spec = workerData as WorkerSpec;
    let fn: ((item: unknown) => unknown) | null = null;
    const queued: BatchMessage[] = [];

    const describe = (value: unknown): string =>
      value === null ? '`null`' : typeof value === 'object' ? `an object (${Object.keys(value as object).join(', ') || 'no keys'})` : `\`${String(value)}\` (${typeof value})`;

    const toWire = (thrown: unknown, depth = 0): WireError => {
      if (thrown instanceof Error || (thrown !== null && typeof thrown === 'object' && typeof (thrown as Error).message === 'string' && 'stack' in thrown)) {
        const err = thrown as Error;
        const props: Record<string, unknown> = {};
        for (const key of Object.keys(err)) props[key] = (err as unknown as Record<string, unknown>)[key];
        const wire: WireError = { error: true, name: String(err.name), message: err.message, stack: err.stack, props };
        if (err.cause !== undefined && depth < 8) wire.cause = toWire(err.cause, depth + 1);
        const errors = (err as { errors?: unknown }).errors;
        if (err instanceof AggregateError && Array.isArray(errors) && depth < 8) wire.errors = errors.map((e) => toWire(e, depth + 1));
        return wire;
      }
      return { error: false, value: thrown };
    };

    // A thrown value or error property structured clone refuses (a symbol, a function): sent as text.
    const asText = (wire: WireError): void => {
      if (!wire.error) {
        wire.value = String(wire.value);
        return;
      }
      for (const key of Object.keys(wire.props)) {
        const v = wire.props[key];
        if (typeof v === 'function' || typeof v === 'symbol' || (v !== null && typeof v === 'object')) wire.props[key] = String(v);
      }
      if (wire.cause !== undefined) asText(wire.cause);
      if (wire.errors !== undefined) wire.errors.forEach(asText);
    };

    const post = (reply: BatchReply, values: unknown[]): void => {
      try {
        const scanned = scan(values, spec.transferResults);
        if (scanned.buffers !== undefined) reply.buffers = scanned.buffers;
        port.postMessage(reply, scanned.transfer);
        return;
      } catch {
        // Find the result that cannot be copied (the error path only: one clone per result).
        for (let k = 0; k < values.length; k++) {
          try {
            structuredClone(values[k]);
          } catch (cloneErr) {
            port.postMessage({ id: reply.id, values: values.slice(0, k), cloneError: toWire(cloneErr) } satisfies WorkerReply);
            return;
          }
        }
        // The results copy: the thrown value, or its error's properties, do not.
        if (reply.error !== undefined) asText(reply.error);
        try {
          port.postMessage(reply);
        } catch (lastErr) {
          const why = String((lastErr as Error)?.message ?? lastErr);
          port.postMessage({ id: reply.id, values: [], error: { error: true, name: 'Error', message: `the worker's reply could not be sent: ${why}`, stack: undefined, props: {} } } satisfies WorkerReply);
        }
      }
    };

    const finish = (id: number, out: unknown[], done: number, thrown?: unknown, threw = false): void => {
      out.length = done;
      post(threw ? { id, values: out, error: toWire(thrown) } : { id, values: out }, out);
    };

    // A promise returned by the function is awaited before the next item starts: one item at a time.
    const finishAsync = async (msg: BatchMessage, out: unknown[], from: number, pending: PromiseLike<unknown>): Promise<void> => {
      const { id, items } = msg;
      let i = from;
      try {
        out[i] = await pending;
        for (i++; i < items.length; i++) {
          const v = fn!(items[i]);
          out[i] = v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function' ? await v : v;
        }
      } catch (err) {
        finish(id, out, i, err, true);
        return;
      }
      finish(id, out, items.length);
    };

    const runBatch = (msg: BatchMessage): void => {
      const { id, items } = msg;
      restore(items, msg.buffers);
      const n = items.length;
      const out = new Array<unknown>(n);
      const f = fn!;
      let i = 0;
      try {
        for (; i < n; i++) {
          const v = f(items[i]);
          if (v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function') {
            void finishAsync(msg, out, i, v as PromiseLike<unknown>);
            return;
          }
          out[i] = v;
        }
      } catch (err) {
        finish(id, out, i, err, true);
        return;
      }
      finish(id, out, n);
    };

    port.on('message', (msg: BatchMessage) => {
      if (fn !== null) runBatch(msg);
      else queued.push(msg);
    });

    importModule(spec.url).then(
      (mod) => {
        const wanted = spec.exportName;
        const fallback = mod.default as Record<string, unknown> | undefined; // a CommonJS module's exports
        const picked = mod[wanted] ?? (wanted !== 'default' && fallback != null ? fallback[wanted] : undefined);
        if (typeof picked !== 'function') {
          const load: LoadFailure = { kind: 'export', got: describe(picked), exports: Object.keys(mod) };
          port.postMessage({ id: -1, load } satisfies WorkerReply);
          return;
        }
        fn = picked as (item: unknown) => unknown;
        for (const msg of queued.splice(0)) runBatch(msg);
      },
      (err: unknown) => {
        port.postMessage({ id: -1, load: { kind: 'load', error: toWire(err) } } satisfies WorkerReply);
      },
    );
  }
}

/**
 * The source text a worker runs (see the module comment). `__name` is the one helper a TypeScript
 * loader may put into a function's text (esbuild's keepNames, as tsx and vitest run it); defined here so
 * the text runs whichever tool compiled it.
 */
export const workerSource = `var __name = (target) => target;\n(${workerMain.toString()})(${scanValues.toString()}, ${restoreBuffers.toString()});`;
