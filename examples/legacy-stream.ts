/**
 * Old stream code from generator code, and back: a streams1 emitter (`new Stream()` emitting 'data'
 * and 'end', the pre-2012 way) is read with `fromReadable`, its lines go through a classic through2
 * transform used as a generator stage (`toGen`), generator code aggregates them, and the result is
 * handed as a Readable (`toReadable`) to an old consumer that only knows `.pipe(dest)`, into an
 * old-style writable that returns `false` from `write()` and emits 'drain' later.
 *
 *   npx tsx examples/legacy-stream.ts            # 200 000 events per feed
 *   npx tsx examples/legacy-stream.ts --smoke    # 5 000 events per feed
 *   npx tsx examples/legacy-stream.ts --events 1000000
 *
 * It runs twice: with a feed that has pause()/resume(), which fromReadable uses for backpressure (the
 * feed stops while the wrapper's buffer is full), and with a feed that has neither. A streams1 source
 * without pause() cannot be slowed down at all: fromReadable then buffers what it emits until the loop
 * reads it, never dropping anything, and memory grows with the lead the source takes. The example
 * measures that lead and says so. Exits 1 if anything was lost or reordered.
 */
import { once } from 'node:events';
import { Stream, type Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import through2 from 'through2';
import { fromReadable, pipe, toGen, toReadable } from 'genstream';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, events: { type: 'string' } } });
const events = Number(values.events ?? (values.smoke ? 5_000 : 200_000));
if (!Number.isInteger(events) || events < 1) throw new Error(`--events expects a positive integer, got ${values.events}`);

/** The wrapper's buffer in fromReadable (objects): a pausable feed is paused once this many wait. */
const HIGH_WATER_MARK = 64;
/** Events a feed emits per turn of the event loop. */
const BURST = 500;

interface FeedStats {
  emitted: number;
  /** Events the generator code has taken from fromReadable. */
  taken: number;
  /** The largest `emitted - taken` seen: what was buffered between the feed and the loop. */
  maxAhead: number;
  pauses: number;
}

/**
 * A streams1 readable the old way: a bare `Stream` (an EventEmitter with `pipe()`), `readable = true`,
 * emitting 'data' in bursts on a timer and 'end' at the end. Every 250th line is malformed. With
 * `pausable`, it gets the classic pause()/resume() pair; without, it has no way to be slowed down.
 */
function legacyFeed(count: number, pausable: boolean, stats: FeedStats): Stream {
  const feed = new Stream() as Stream & { readable: boolean; pause?: () => void; resume?: () => void; destroy?: () => void };
  feed.readable = true;
  let paused = false;
  let done = false;
  let scheduled = false;
  const tick = (): void => {
    scheduled = false;
    for (let n = 0; n < BURST && !paused && !done; n++) {
      const i = stats.emitted++;
      feed.emit('data', i % 250 === 249 ? `garbage line ${i}` : `sensor-${i % 8},${i},${((i * 37) % 1000) / 10}`);
      stats.maxAhead = Math.max(stats.maxAhead, stats.emitted - stats.taken);
      if (stats.emitted === count) {
        done = true;
        feed.readable = false;
        feed.emit('end');
      }
    }
    if (!paused && !done) schedule();
  };
  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(tick);
    }
  };
  if (pausable) {
    feed.pause = () => {
      if (!paused) stats.pauses++;
      paused = true;
    };
    feed.resume = () => {
      paused = false;
      schedule();
    };
  }
  feed.destroy = () => {
    done = true;
  };
  schedule();
  return feed;
}

interface Reading {
  sensor: string;
  seq: number;
  value: number;
}

/**
 * A classic through2 object transform (callback style, `this.push`), as found in old code bases: parses
 * `sensor,seq,value` lines and drops the malformed ones, counting them.
 */
function parseReadings(counts: { malformed: number }) {
  return through2.obj(function (this: Transform, line: string, _enc: BufferEncoding, cb: (err?: Error | null, data?: unknown) => void) {
    const [sensor, seq, value] = line.split(',');
    if (sensor === undefined || seq === undefined || value === undefined || !sensor.startsWith('sensor-')) {
      counts.malformed++;
      return cb();
    }
    this.push({ sensor, seq: Number(seq), value: Number(value) } satisfies Reading);
    cb();
  });
}

/**
 * An old-style writable, as `.pipe()` consumers were written before streams2 (a `Stream` subclass, not
 * a `Writable`): `writable = true`, `write()` returning `false` every 20 items (it is "busy") and
 * emitting 'drain' 5 ms later, `end()` emitting 'finish'. It records what it got.
 */
class OldWritable extends Stream implements NodeJS.WritableStream {
  writable = true;
  readonly got: string[] = [];
  drains = 0;

  write(line: string | Uint8Array): boolean {
    this.got.push(String(line));
    if (this.got.length % 20 !== 0) return true;
    setTimeout(() => {
      this.drains++;
      this.emit('drain');
    }, 5);
    return false;
  }

  end(): this {
    this.writable = false;
    this.emit('finish');
    return this;
  }
}

/** A consumer from the old world: all it can do with a source is `.pipe()` it somewhere. */
function legacyReport(source: NodeJS.ReadableStream, dest: NodeJS.WritableStream): void {
  source.pipe(dest);
}

async function runOnce(pausable: boolean): Promise<boolean> {
  const stats: FeedStats = { emitted: 0, taken: 0, maxAhead: 0, pauses: 0 };
  const counts = { malformed: 0 };
  const feed = legacyFeed(events, pausable, stats);

  // Generator code over the streams1 feed: fromReadable wraps it (pausing it when it can).
  async function* lines(): AsyncGenerator<string> {
    for await (const line of fromReadable<string>(feed, { highWaterMark: HIGH_WATER_MARK })) {
      stats.taken++;
      yield line;
    }
  }
  // Every 100 readings of a sensor, one summary line; the rest of each sensor's readings at the end.
  let lastSeq = -1;
  let outOfOrder = 0;
  async function* summaries(readings: AsyncIterable<Reading>): AsyncGenerator<string> {
    const perSensor = new Map<string, { n: number; sum: number }>();
    for await (const r of readings) {
      if (r.seq <= lastSeq) outOfOrder++;
      lastSeq = r.seq;
      const s = perSensor.get(r.sensor) ?? { n: 0, sum: 0 };
      s.n++;
      s.sum += r.value;
      perSensor.set(r.sensor, s);
      if (s.n === 100) {
        yield `${r.sensor}: 100 readings, mean ${(s.sum / s.n).toFixed(2)}\n`;
        perSensor.set(r.sensor, { n: 0, sum: 0 });
      }
    }
    for (const [sensor, s] of [...perSensor].sort()) if (s.n > 0) yield `${sensor}: ${s.n} readings, mean ${(s.sum / s.n).toFixed(2)} (last)\n`;
  }

  const dest = new OldWritable();
  const finished = once(dest, 'finish');
  // toReadable: the generator pipeline as a Readable, for code that only knows `.pipe()`.
  legacyReport(toReadable(pipe(lines(), toGen<string, Reading>(() => parseReadings(counts)), summaries)), dest);
  await finished;

  const readings = events - counts.malformed;
  const summarized = dest.got.reduce((n, l) => n + Number(/: (\d+) readings/.exec(l)![1]), 0);
  const expectedMalformed = Math.floor(events / 250);
  const ok = stats.emitted === events && stats.taken === events && counts.malformed === expectedMalformed && summarized === readings && outOfOrder === 0;
  const name = pausable ? 'feed with pause()' : 'feed without pause()';
  console.log(`${name}: ${stats.emitted} events emitted, ${stats.taken} read by the loop, ${counts.malformed} malformed dropped by through2, ${readings} readings`);
  console.log(
    pausable
      ? `${name}: paused ${stats.pauses} times by fromReadable; at most ${stats.maxAhead} events buffered ahead of the loop (its high-water mark: the feed stops as soon as that many wait)`
      : `${name}: it cannot be paused, so fromReadable buffered up to ${stats.maxAhead} events ahead of the loop (nothing dropped; memory grows with that lead)`,
  );
  console.log(`${name}: the old .pipe() consumer got ${dest.got.length} summary lines covering ${summarized} readings, after ${dest.drains} 'drain' waits`);
  console.log(`check ${pausable ? 'pausable' : 'unpausable'}: ${ok ? `all ${readings} readings in order, nothing lost: ok` : `SOMETHING WAS LOST OR REORDERED (out of order: ${outOfOrder})`}`);
  return ok;
}

const okPausable = await runOnce(true);
const okUnpausable = await runOnce(false);
process.exitCode = okPausable && okUnpausable ? 0 : 1;
