/**
 * The worker threads of one run of a `parallelMap` stage: started one at a time as work needs them (a
 * job of one batch starts one), each batch sent to the least busy, all terminated when the run ends. A worker
 * is `ref`ed only while it holds a batch, so an idle pool never keeps the process alive.
 *
 * No restart: a worker that dies fails the run (its batches are lost), so there is nothing to restart
 * into. That, and a lower cost per message, is why this is `node:worker_threads` and not a pool library
 * (README "Parallel stages").
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { describe } from '../internal/errors.js';
import { WorkerCrashError } from './errors.js';
import type { BatchMessage, WorkerReply, WorkerSpec } from './wire.js';
import { workerSource } from './worker-main.js';

/** One batch sent and not answered yet. */
export interface Sent {
  id: number;
  /** Stream index of its first item, and how many items it has (for error messages). */
  start: number;
  size: number;
}

interface Member {
  worker: Worker;
  inFlight: Map<number, Sent>;
  exited: boolean;
}

export interface PoolEvents {
  /** A worker answered: a batch (`sent` is what was sent), or `id: -1` when it cannot load the module. */
  reply(reply: WorkerReply, sent: Sent | undefined): void;
  /** A worker died while it held batches (or before it could load the module). Called once per death. */
  crash(err: WorkerCrashError): void;
}

export class WorkerPool {
  private readonly members: Member[] = [];
  private closed = false;

  constructor(
    private readonly spec: WorkerSpec,
    private readonly threads: number,
    private readonly resourceLimits: ResourceLimits | undefined,
    private readonly where: string,
    private readonly events: PoolEvents,
  ) {}

  /**
   * Sends a batch to the member with the fewest in flight, starting a new worker when every member holds
   * work and there is room for one more. Throws what `postMessage` throws (a `DataCloneError`).
   */
  send(msg: BatchMessage, sent: Sent, transfer: ArrayBuffer[] | undefined): void {
    let best: Member | undefined;
    for (const m of this.members) if (!m.exited && (best === undefined || m.inFlight.size < best.inFlight.size)) best = m;
    if (best === undefined || (best.inFlight.size > 0 && this.members.length < this.threads)) best = this.start();
    best.worker.postMessage(msg, transfer);
    if (best.inFlight.size === 0) best.worker.ref();
    best.inFlight.set(sent.id, sent);
  }

  /**
   * Terminates every worker (running and queued work stops at once) and waits for each one's `'exit'`
   * event: on Node 22 and later `terminate()` resolves before it is emitted.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.members.map((m) => (m.exited ? undefined : exitOf(m))));
  }

  private start(): Member {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: this.spec,
      ...(this.resourceLimits === undefined ? {} : { resourceLimits: this.resourceLimits }),
    });
    const member: Member = { worker, inFlight: new Map(), exited: false };
    let failure: { err: unknown } | undefined; // what the worker threw uncaught (any value, null too)
    worker.on('message', (reply: WorkerReply) => {
      // After close() a reply is dropped, and the worker stays ref'ed: exitOf holds the loop open for
      // its 'exit', which a reply in flight must not undo (the process would end on an unsettled await).
      if (this.closed) return;
      const sent = member.inFlight.get(reply.id);
      if (sent !== undefined) {
        member.inFlight.delete(reply.id);
        if (member.inFlight.size === 0) worker.unref();
      }
      this.events.reply(reply, sent);
    });
    worker.on('error', (err: unknown) => {
      failure = { err };
    });
    worker.on('exit', (code: number) => {
      member.exited = true;
      if (this.closed) return;
      this.events.crash(this.crashError(member, code, failure));
    });
    worker.unref();
    this.members.push(member);
    return member;
  }

  private crashError(member: Member, code: number, failure: { err: unknown } | undefined): WorkerCrashError {
    const sent = [...member.inFlight.values()];
    const items =
      sent.length === 0
        ? 'before it could take work'
        : `while it held items ${sent.map((s) => (s.size === 1 ? `${s.start}` : `${s.start}–${s.start + s.size - 1}`)).join(', ')}`;
    const cause = failure?.err;
    const how =
      failure === undefined
        ? `exited with code ${code}`
        : (cause as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'ran out of memory (its resourceLimits)'
          : cause instanceof Error
            ? `stopped on an uncaught ${cause.name}: ${cause.message}`
            : `stopped on an uncaught throw of ${describe(cause)}`;
    return new WorkerCrashError(`${this.where}: a worker running ${this.spec.url} ${how} ${items}; no further work was started`, this.spec.url, code, cause);
  }
}

/** Terminates a worker and resolves on its `'exit'`, holding the event loop open until then (an idle worker is unref'ed). */
function exitOf(member: Member): Promise<void> {
  return new Promise<void>((resolve) => {
    member.worker.once('exit', () => resolve());
    member.worker.ref();
    void member.worker.terminate();
  });
}
