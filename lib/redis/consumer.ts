/**
 * One consumer of a Redis Streams consumer group: what `fromRedisStream` runs when it is iterated or
 * `consume()`d. It reads only when asked (`next()`), so nothing is read while the pipeline is backed up.
 *
 * Where entries come from, in this order each time one is asked for:
 *   1. at start: this consumer's own pending entries (XREADGROUP ... 0), left by an earlier run;
 *   2. right after those, then every `claimIdleMs`: XAUTOCLAIM, entries idle longer than that from any
 *      consumer of the group (a dead consumer's, or this one's own after a failed window);
 *   3. new entries (XREADGROUP ... >), blocking up to `blockMs` on a connection of its own.
 * An entry delivered more than `maxDeliveries` times is copied to `deadLetterStream` and acked instead of
 * handed out. Entries handed out and not yet acked are leased: XCLAIM ... JUSTID every claimIdleMs / 3
 * resets their idle time, so no peer claims them while this process is alive.
 */
import { AbortError } from '../internal/errors.js';
import { parseAutoClaim, parseDeliveries, parseReadGroup, type RawEntry, type RedisArg, type RedisClientLike } from './client.js';

/** An entry of the stream, handed out by `fromRedisStream`. */
export interface RedisStreamMessage {
  /** The entry's id (`1700000000000-0`). */
  readonly id: string;
  /** The stream it was read from. */
  readonly stream: string;
  /** Its fields, as strings. */
  readonly fields: Record<string, string>;
  /** How many times it has been delivered to the group, this delivery included (1 the first time). */
  readonly deliveries: number;
  /**
   * Acknowledges it (XACK): it leaves the group's pending list and is never delivered again. Acks of
   * the same moment go to Redis in one XACK; the promise resolves once Redis confirmed it. Calling it
   * again returns the same promise.
   */
  ack(): Promise<void>;
  /**
   * Gives it back without acking: it stops being leased, so it is delivered again (to a live consumer
   * of the group, this one included) once idle for `claimIdleMs`, and counts towards `maxDeliveries`.
   * `reason` (the handler's error) goes into its dead-letter record should it end up there. Without a
   * nack, an unacked entry stays leased while this consumer runs.
   */
  nack(reason?: unknown): void;
}

/** Settings of one consumer, checked by `fromRedisStream`. */
export interface ConsumerConfig {
  stream: string;
  group: string;
  consumer: string;
  count: number;
  blockMs: number;
  claimIdleMs: number;
  maxDeliveries: number;
  deadLetterStream: string | undefined;
  startId: string;
  signal: AbortSignal | undefined;
}

/** The last errors seen per entry, for the dead-letter record (bounded: the oldest go first). */
const MAX_REMEMBERED_ERRORS = 10_000;

class Message implements RedisStreamMessage {
  private acked: Promise<void> | null = null;
  constructor(
    private readonly run: ConsumerRun,
    readonly id: string,
    readonly stream: string,
    readonly fields: Record<string, string>,
    readonly deliveries: number,
  ) {}

  ack(): Promise<void> {
    return (this.acked ??= this.run.ack(this.id));
  }

  nack(reason?: unknown): void {
    if (this.acked === null) this.run.failed(this, reason ?? 'nacked by the handler');
  }

  /** Acked with its window (`consume()`): a later `ack()` returns that XACK's promise. */
  ackedBy(promise: Promise<void>): void {
    this.acked ??= promise;
  }
}

/** The XACKs of one moment: sent together on the next turn of the event loop. */
interface AckBatch {
  ids: string[];
  promise: Promise<void>;
}

export class ConsumerRun {
  private reader: RedisClientLike | null = null;
  private readingOwn = true;
  private ownCursor = '0';
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private readonly leased = new Set<string>();
  private leaseTimer: NodeJS.Timeout | null = null;
  private ackBatch: AckBatch | null = null;
  private readonly errors = new Map<string, string>();
  private closed = false;
  aborted = false;

  constructor(
    private readonly client: RedisClientLike,
    readonly cfg: ConsumerConfig,
  ) {
    cfg.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (cfg.signal?.aborted) this.onAbort();
  }

  private readonly onAbort = (): void => {
    this.aborted = true;
    this.reader?.disconnect(); // ends a blocked XREADGROUP at once; what it was delivering stays pending
  };

  /** Creates the group (and the stream) if missing, and opens the reading connection. */
  async start(): Promise<void> {
    const { stream, group, startId } = this.cfg;
    try {
      await this.client.call('XGROUP', 'CREATE', stream, group, startId, 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('BUSYGROUP')) throw err;
    }
    if (!this.aborted) {
      this.reader = this.client.duplicate();
      this.reader.on?.('error', noop); // the failed command carries the error; no "unhandled error event" print
    }
    const every = Math.max(10, Math.floor(this.cfg.claimIdleMs / 3));
    this.leaseTimer = setInterval(this.renewLeases, every);
    this.leaseTimer.unref();
    this.nextClaimAt = 0; // claim at start (after its own pending entries): what a dead peer left, idle longer than claimIdleMs
  }

  /**
   * The next entries to hand out (at most `count`), or `null` once aborted. Entries handed out are
   * leased until acked or released.
   */
  async nextBatch(): Promise<RedisStreamMessage[] | null> {
    for (;;) {
      if (this.aborted || this.closed) return null;
      let raw: RawEntry[];
      let deliveries: Map<string, number> | null = null;
      // Its own pending entries before the first claim: a claim first would hand out again, at the own
      // read, the own entries it had just claimed (and still holds).
      if (this.readingOwn) {
        raw = parseReadGroup(await this.read(this.ownCursor, false));
        if (raw.length === 0) this.readingOwn = false;
        else {
          this.ownCursor = raw[raw.length - 1]!.id;
          deliveries = await this.deliveriesOf(raw);
        }
      } else if (Date.now() >= this.nextClaimAt) {
        this.nextClaimAt = Date.now() + this.cfg.claimIdleMs;
        raw = await this.claim();
        if (raw.length > 0) deliveries = await this.deliveriesOf(raw);
      } else {
        const reply = await this.read('>', true);
        if (reply === ABORTED) return null;
        raw = parseReadGroup(reply);
      }
      const out = await this.sort(raw, deliveries);
      if (out.length > 0) return out;
    }
  }

  private async read(id: string, block: boolean): Promise<unknown> {
    const { stream, group, consumer, count } = this.cfg;
    if (!block) return this.client.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, id);
    // Block no longer than until the next claim is due (BLOCK 0 would be forever).
    const ms = Math.max(1, Math.min(this.cfg.blockMs, this.nextClaimAt - Date.now()));
    try {
      return await this.reader!.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'BLOCK', ms, 'STREAMS', stream, id);
    } catch (err) {
      if (this.aborted || this.closed) return ABORTED; // our own disconnect()
      throw err;
    }
  }

  private async claim(): Promise<RawEntry[]> {
    const { stream, group, consumer, claimIdleMs, count } = this.cfg;
    const { cursor, entries } = parseAutoClaim(await this.client.call('XAUTOCLAIM', stream, group, consumer, claimIdleMs, this.claimCursor, 'COUNT', count));
    this.claimCursor = cursor;
    if (cursor !== '0-0') this.nextClaimAt = 0; // more idle entries past this page: claim on at the next read
    return entries.filter((e) => !this.leased.has(e.id)); // being processed here: not a second time
  }

  /**
   * How many times each entry was delivered: XPENDING of each id on its own (all in one round trip). A
   * range query with a count would miss some whenever other pending entries lie in the range (this
   * consumer's own, not yet due for a claim), and an entry missed would pass for a first delivery.
   */
  private async deliveriesOf(raw: RawEntry[]): Promise<Map<string, number>> {
    const { stream, group } = this.cfg;
    const p = this.client.pipeline();
    for (const e of raw) p.call('XPENDING', stream, group, e.id, e.id, 1);
    const counts = new Map<string, number>();
    for (const reply of await execAll(p)) for (const [id, n] of parseDeliveries(reply)) counts.set(id, n);
    return counts;
  }

  /** Entries to hand out; trimmed ones are acked, ones past `maxDeliveries` dead-lettered. */
  private async sort(raw: RawEntry[], deliveries: Map<string, number> | null): Promise<RedisStreamMessage[]> {
    const out: RedisStreamMessage[] = [];
    const gone: string[] = [];
    for (const e of raw) {
      const n = deliveries?.get(e.id) ?? 1;
      if (e.fields === null) gone.push(e.id); // trimmed by MAXLEN while pending: nothing left to process
      else if (n > this.cfg.maxDeliveries) await this.deadLetter(e.id, e.fields, n, this.errors.get(e.id) ?? 'not acknowledged by the consumers it was delivered to');
      else {
        this.leased.add(e.id);
        out.push(new Message(this, e.id, this.cfg.stream, e.fields, n));
      }
    }
    if (gone.length > 0) await this.client.call('XACK', this.cfg.stream, this.cfg.group, ...gone);
    return out;
  }

  /** Copies an entry to the dead-letter stream with why it is there, then acks it: both in one round trip. */
  async deadLetter(id: string, fields: Record<string, string>, deliveries: number, lastError: string): Promise<void> {
    const { stream, group, consumer } = this.cfg;
    const p = this.client.pipeline();
    p.call('XADD', this.cfg.deadLetterStream!, '*', 'id', id, 'stream', stream, 'group', group, 'consumer', consumer, 'deliveries', deliveries, 'error', lastError, 'fields', JSON.stringify(fields));
    p.call('XACK', stream, group, id);
    await execAll(p);
    this.leased.delete(id);
    this.errors.delete(id);
  }

  /**
   * Remembers why the handler failed on an entry (for its dead-letter record, should it come back past
   * `maxDeliveries`) and stops leasing it, so it is claimed again after `claimIdleMs`.
   */
  failed(message: RedisStreamMessage, err: unknown): void {
    this.leased.delete(message.id);
    this.errors.delete(message.id);
    this.errors.set(message.id, describeError(err));
    if (this.errors.size > MAX_REMEMBERED_ERRORS) this.errors.delete(this.errors.keys().next().value!);
  }

  /**
   * Acks a window of `consume()` in one XACK, sent at once; the caller awaits it (after sending the next
   * read, so the two round trips overlap).
   */
  ackWindow(messages: readonly RedisStreamMessage[]): Promise<void> {
    const ids = new Array<string>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const id = messages[i]!.id;
      ids[i] = id;
      this.leased.delete(id);
    }
    if (this.errors.size > 0) for (const id of ids) this.errors.delete(id);
    const promise = this.client.call('XACK', this.cfg.stream, this.cfg.group, ...ids).then(noop);
    promise.catch(noop); // awaited later; a failure while the next read fails too is not "unhandled"
    for (const m of messages) (m as Message).ackedBy(promise);
    return promise;
  }

  /** Queues an XACK; the ones of the same turn of the event loop go in one command. */
  ack(id: string): Promise<void> {
    this.leased.delete(id);
    this.errors.delete(id);
    if (this.ackBatch === null) {
      const ids = [id];
      const promise = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.ackBatch = null;
        await this.client.call('XACK', this.cfg.stream, this.cfg.group, ...ids);
      });
      this.ackBatch = { ids, promise };
      return promise;
    }
    this.ackBatch.ids.push(id);
    return this.ackBatch.promise;
  }

  private readonly renewLeases = (): void => {
    if (this.leased.size === 0) return;
    const { stream, group, consumer } = this.cfg;
    const ids: RedisArg[] = [...this.leased];
    // A failed renewal (connection lost) surfaces through the next read; an entry claimed meanwhile by a
    // peer is processed twice at worst: at-least-once.
    this.client.call('XCLAIM', stream, group, consumer, 0, ...ids, 'JUSTID').catch(noop);
  };

  /** Stops leasing, waits for the acks in flight, closes the reading connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cfg.signal?.removeEventListener('abort', this.onAbort);
    if (this.leaseTimer !== null) clearInterval(this.leaseTimer);
    this.leased.clear();
    this.reader?.disconnect();
    this.reader = null;
    // The acks of this last moment go out; their failure reaches whoever awaited `ack()`.
    const pending = this.ackBatch?.promise;
    if (pending !== undefined) await pending.catch(noop);
  }

  /** The AbortError an aborted consumer ends with (only where ending quietly is not allowed). */
  abortError(): AbortError {
    return new AbortError(undefined, { cause: this.cfg.signal?.reason });
  }
}

const ABORTED = Symbol('aborted');

/** An error as the dead-letter record keeps it: `name: message`. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function noop(): void {}

/** Runs a pipeline and throws the first command error (the client's own error object). */
export async function execAll(p: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<unknown[]> {
  const results = (await p.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
  return results.map((r) => r[1]);
}
