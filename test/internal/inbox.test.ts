/**
 * The write side of the bridge, directly: order, backpressure, the end/stop/return/fail lifecycle, and
 * stop propagation to a genstream upstream (a no-op here would otherwise show only as a hang).
 */
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { fromGen, toReadable, toWritable } from '../../lib/index.js';
import { Inbox, kStopRequested, stopUpstream } from '../../lib/internal/inbox.js';
import { counted, TestError } from '../helpers.js';

const done = { done: true, value: undefined };

describe('Inbox', () => {
  it('yields single pushes and _writev batches in the order they were written', async () => {
    const inbox = new Inbox<number>(100, false);
    const cb = (): void => {};
    inbox.push(1, cb);
    inbox.pushMany([{ chunk: 2 }, { chunk: 3 }, { chunk: 4 }], cb);
    inbox.push(5, cb);
    inbox.end();
    const got: number[] = [];
    for await (const x of inbox) got.push(x);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds the write callback once it holds `limit` items, and releases it when drained', async () => {
    const inbox = new Inbox<number>(2, false);
    let released = 0;
    inbox.push(1, () => released++);
    expect(released).toBe(1); // below the limit: released at once
    inbox.push(2, () => released++);
    expect(released).toBe(1); // at the limit: held
    await inbox.next();
    expect(released).toBe(1); // still one queued
    await inbox.next();
    expect(released).toBe(2); // empty: released
  });

  it('counts bytes, not chunks, in byte mode', () => {
    const inbox = new Inbox<Buffer>(4, true);
    let released = 0;
    inbox.push(Buffer.alloc(3), () => released++);
    expect(released).toBe(1);
    inbox.push(Buffer.alloc(1), () => released++);
    expect(released).toBe(1);
  });

  it('stop() is an early stop even after end(): onReturned runs once and a pending read sees done', async () => {
    const inbox = new Inbox<number>(10, false);
    let returned = 0;
    inbox.onReturned = () => returned++;
    const pending = inbox.next();
    inbox.end();
    // end() with nothing queued resolves the pending read with done...
    expect(await pending).toEqual(done);
    const other = new Inbox<number>(10, false);
    other.onReturned = () => returned++;
    other.push(1, () => {});
    other.end();
    other.stop(); // ...but a stop while items remain is early
    expect(returned).toBe(1);
    expect(other.returned).toBe(true);
    expect(await other.next()).toEqual(done);
    other.stop();
    expect(returned).toBe(1);
  });

  it('stop() after end() with nothing left still counts as early', () => {
    const inbox = new Inbox<number>(10, false);
    let returned = 0;
    inbox.onReturned = () => returned++;
    inbox.end();
    inbox.stop();
    expect(inbox.returned).toBe(true);
    expect(returned).toBe(1);
  });

  it('return() after reading everything to the end is not an early stop', async () => {
    const inbox = new Inbox<number>(10, false);
    let returned = 0;
    inbox.onReturned = () => returned++;
    inbox.push(1, () => {});
    inbox.end();
    expect(await inbox.next()).toEqual({ done: false, value: 1 });
    await inbox.return();
    expect(inbox.returned).toBe(false);
    expect(returned).toBe(0);
  });

  it('return() before the end is an early stop, releases a held writer and drops what is queued', async () => {
    const inbox = new Inbox<number>(1, false);
    let returned = 0;
    let released = 0;
    inbox.onReturned = () => returned++;
    inbox.push(1, () => released++);
    expect(released).toBe(0);
    await inbox.return();
    expect(released).toBe(1);
    expect(returned).toBe(1);
    inbox.push(2, () => released++); // the consumer is gone: accepted and dropped
    expect(released).toBe(2);
    expect(await inbox.next()).toEqual(done);
  });

  it('fail() rejects the pending read and every later one with the same error', async () => {
    const inbox = new Inbox<number>(10, false);
    const err = new TestError('destroyed');
    const pending = inbox.next();
    inbox.fail(err);
    await expect(pending).rejects.toBe(err);
    await expect(inbox.next()).rejects.toBe(err);
  });
});

describe('stopUpstream', () => {
  it('asks a genstream upstream to stop, and leaves a foreign one alone', () => {
    let asked = 0;
    const ours = Object.assign(new PassThrough(), { [kStopRequested]: () => asked++ });
    stopUpstream(ours);
    expect(asked).toBe(1);
    const foreign = new PassThrough();
    stopUpstream(foreign);
    stopUpstream(null);
    expect(foreign.destroyed).toBe(false);
  });

  it('ends an infinite genstream source when the fromGen below it stops early: its finally runs once', async () => {
    const { state, source } = counted();
    const out: number[] = [];
    await pipeline(
      toReadable(source),
      fromGen(async function* firstThree(s: AsyncIterable<number>) {
        let n = 0;
        for await (const x of s) {
          yield x;
          if (++n === 3) return;
        }
      }),
      toWritable(async (s: AsyncIterable<number>) => {
        for await (const x of s) out.push(x);
      }),
    );
    expect(out).toEqual([0, 1, 2]);
    expect(state.finallies).toBe(1);
  });

  it('propagates through a chain of genstream stages: a sink that returns early ends them all', async () => {
    const { state, source } = counted();
    let stageFinallies = 0;
    await pipeline(
      toReadable(source),
      fromGen(async function* pass(s: AsyncIterable<number>) {
        try {
          yield* s;
        } finally {
          stageFinallies++;
        }
      }),
      toWritable(async (s: AsyncIterable<number>) => {
        for await (const x of s) if (x === 4) return;
      }),
    );
    expect(stageFinallies).toBe(1);
    expect(state.finallies).toBe(1);
  });
});

describe('write batches through the adapters keep their order', () => {
  const corked = async (stream: Writable, items: number[]): Promise<void> => {
    stream.cork();
    for (const x of items) stream.write(x);
    process.nextTick(() => stream.uncork()); // one _writev batch
    stream.end();
  };

  it('fromGen', async () => {
    const d = fromGen(async function* (s: AsyncIterable<number>) {
      yield* s;
    });
    const got: number[] = [];
    const reading = (async () => {
      for await (const x of d) got.push(x as number);
    })();
    await corked(d, [1, 2, 3, 4, 5, 6]);
    await reading;
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('toWritable', async () => {
    const got: number[] = [];
    const w = toWritable(async (s: AsyncIterable<number>) => {
      for await (const x of s) got.push(x);
    });
    const finished = new Promise((resolve) => w.on('finish', resolve));
    await corked(w, [1, 2, 3, 4, 5, 6]);
    await finished;
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('Inbox after its consumer has gone', () => {
  it('accepts and drops a _writev batch, releasing the writer at once', async () => {
    const inbox = new Inbox<number>(1, false);
    await inbox.return();
    let released = 0;
    inbox.pushMany([{ chunk: 1 }, { chunk: 2 }, { chunk: 3 }], () => released++);
    expect(released).toBe(1);
    expect(await inbox.next()).toEqual(done);
  });
});

describe('Inbox end states', () => {
  it('return() after end() with items still queued is an early stop', async () => {
    const inbox = new Inbox<number>(10, false);
    let returned = 0;
    inbox.onReturned = () => returned++;
    inbox.push(1, () => {});
    inbox.push(2, () => {});
    inbox.end();
    await inbox.next();
    await inbox.return();
    expect(inbox.returned).toBe(true);
    expect(returned).toBe(1);
  });

  it('keeps the first error when failed twice', async () => {
    const inbox = new Inbox<number>(10, false);
    const first = new TestError('first');
    inbox.fail(first);
    inbox.fail(new TestError('second'));
    await expect(inbox.next()).rejects.toBe(first);
  });
});

describe('Inbox.offer (writes that bypass the Writable buffer)', () => {
  it('answers false once the queue holds `limit` items, and calls onDrain once when it is empty again', async () => {
    const inbox = new Inbox<number>(2, false);
    let drains = 0;
    inbox.onDrain = () => drains++;
    expect(inbox.offer(1)).toBe(true);
    expect(inbox.offer(2)).toBe(false);
    expect(inbox.full).toBe(true);
    expect(inbox.draining).toBe(true);
    await inbox.next();
    expect(drains).toBe(0); // one item still queued
    await inbox.next();
    expect(drains).toBe(1);
    expect(inbox.draining).toBe(false);
    expect(inbox.offer(3)).toBe(true);
    await inbox.next();
    expect(drains).toBe(1); // nothing was refused since: nothing owed
  });

  it('wakes a waiting consumer with the offered item', async () => {
    const inbox = new Inbox<number>(10, false);
    const pending = inbox.next();
    inbox.offer(7);
    expect(await pending).toEqual({ done: false, value: 7 });
  });

  it('calls onDrain when the consumer returns early, then accepts and drops what is offered', async () => {
    const inbox = new Inbox<number>(1, false);
    let drains = 0;
    inbox.onDrain = () => drains++;
    expect(inbox.offer(1)).toBe(false);
    await inbox.return();
    expect(drains).toBe(1);
    expect(inbox.offer(2)).toBe(true);
    expect(await inbox.next()).toEqual(done);
  });

  it('does not call onDrain when it fails (a destroyed stream emits no drain)', () => {
    const inbox = new Inbox<number>(1, false);
    let drains = 0;
    inbox.onDrain = () => drains++;
    inbox.offer(1);
    inbox.fail(new TestError('destroyed'));
    expect(drains).toBe(0);
    expect(inbox.draining).toBe(false);
  });
});

describe('Inbox.refill (the owner filling an empty queue before the consumer waits)', () => {
  it('returns what refill added without waiting, in order', async () => {
    const inbox = new Inbox<number>(10, false);
    let refills = 0;
    let next = 0;
    inbox.refill = () => {
      refills++;
      for (let i = 0; i < 3; i++) inbox.offer(next++);
    };
    const got: number[] = [];
    for (let i = 0; i < 7; i++) got.push((await inbox.next()).value as number);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(refills).toBe(3); // once per empty queue, not per item
  });

  it('waits as before when refill adds nothing, and a later push wakes it', async () => {
    const inbox = new Inbox<number>(10, false);
    let refills = 0;
    inbox.refill = () => refills++;
    const pending = inbox.next();
    expect(refills).toBe(1);
    inbox.push(5, () => {});
    expect(await pending).toEqual({ done: false, value: 5 });
  });

  it('is not asked once the producer has ended, the consumer returned, or the inbox failed', async () => {
    let refills = 0;
    const ended = new Inbox<number>(10, false);
    ended.refill = () => refills++;
    ended.end();
    expect(await ended.next()).toEqual(done);
    const returned = new Inbox<number>(10, false);
    returned.refill = () => refills++;
    await returned.return();
    expect(await returned.next()).toEqual(done);
    const failed = new Inbox<number>(10, false);
    failed.refill = () => refills++;
    const err = new TestError('destroyed');
    failed.fail(err);
    await expect(failed.next()).rejects.toBe(err);
    expect(refills).toBe(0);
  });

  it('rejects with the error when refill fails the inbox', async () => {
    const inbox = new Inbox<number>(10, false);
    const err = new TestError('destroyed while reading upstream');
    inbox.refill = () => inbox.fail(err);
    await expect(inbox.next()).rejects.toBe(err);
  });
});
