/**
 * Web Streams both ways. A fetch-style handler (`Request` → `Response`, as in Hono, Next.js route
 * handlers or Deno) returns `new Response(toWebReadable(...))` with a generator as its body; a local
 * node:http server serves it. The client `fetch()`es it and runs `fromWebReadable(res.body)` →
 * `lines()` → parse → filter → CSV → a file, then calls the handler directly and reads the Response
 * back (`await response.text()`, and an early `break` that stops the generator). Every step is checked.
 *
 *   npx tsx examples/web-streams.ts           # 200k readings
 *   npx tsx examples/web-streams.ts --smoke   # 5k readings
 *   npx tsx examples/web-streams.ts --readings 1000000 --keep   # keeps the CSV file in the temp dir
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batch, encode, filter, fromWebReadable, lines, map, ndjsonStringify, pipe, run, toArray, toWebReadable } from 'genstream';

const { values } = parseArgs({
  options: {
    readings: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.readings ?? (values.smoke ? 5_000 : 200_000));
if (!Number.isInteger(COUNT) || COUNT < 1) {
  console.error(`web-streams: --readings expects a positive integer, got ${values.readings}`);
  process.exit(2);
}

interface Reading {
  sensor: string;
  at: string;
  /** Hundredths of a degree: an integer, so sums are exact. */
  centi: number;
  status: 'ok' | 'error';
}

const START = Date.UTC(2026, 11, 1);

/** The data: `count` sensor readings; every 25th is an error reading (the client drops those). */
function* readings(count: number, onEnd?: (generated: number) => void): Generator<Reading, void, undefined> {
  let i = 0;
  try {
    for (; i < count; i++) {
      yield { sensor: `s${i % 7}`, at: new Date(START + i * 1000).toISOString(), centi: (i * 7919) % 10_000, status: i % 25 === 0 ? 'error' : 'ok' };
    }
  } finally {
    onEnd?.(i); // runs on the end, and on an early stop (a cancelled Response body returns the generator)
  }
}

// ---------------------------------------------------------------------------------------------------
// The server side: a fetch-style handler, and node:http serving it.

/** GET /readings.ndjson?count=N: the readings as NDJSON, produced as the body is read. */
function handle(request: Request, onEnd?: (generated: number) => void): Response {
  const url = new URL(request.url);
  if (url.pathname !== '/readings.ndjson') return new Response('not found\n', { status: 404 });
  const count = Number(url.searchParams.get('count') ?? COUNT);
  // A Response body carries bytes: NDJSON lines, 256 per chunk (one chunk per line would cost a
  // Web Streams read per line), encoded to UTF-8.
  const body = pipe(
    readings(count, onEnd),
    ndjsonStringify(),
    batch<string>(256),
    map((chunk: string[]) => chunk.join('')),
    encode(),
  );
  // toWebReadable gives node:stream/web's ReadableStream, the same class as the global one; TypeScript's
  // DOM lib declares its own ReadableStream type, hence the cast (not needed without the DOM lib).
  return new Response(toWebReadable(body) as ReadableStream<Uint8Array>, { headers: { 'content-type': 'application/x-ndjson' } });
}

const server = createServer((req, res) => {
  const response = handle(new Request(new URL(req.url ?? '/', 'http://127.0.0.1')));
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.writeHead(response.status);
  // The Web body into the Node response, with backpressure both ways.
  (response.body === null ? Promise.resolve(void res.end()) : run(response.body, res)).catch((err: unknown) => res.destroy(err as Error));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// ---------------------------------------------------------------------------------------------------

/** What the CSV file must hold: the ok readings, one line each. */
function expectedCsv(count: number): { lines: number; centi: number } {
  let n = 0;
  let centi = 0;
  for (const r of readings(count)) {
    if (r.status !== 'ok') continue;
    n++;
    centi += r.centi;
  }
  return { lines: n, centi };
}

function parseReading(line: string): Reading {
  const r = JSON.parse(line) as Reading;
  if (typeof r.sensor !== 'string' || typeof r.at !== 'string' || !Number.isInteger(r.centi)) throw new Error(`not a reading: ${line}`);
  return r;
}

const outFile = join(tmpdir(), `genstream-web-streams-${process.pid}.csv`);
let failed = false;
function check(ok: boolean, text: string): void {
  console.log(`check: ${text}: ${ok ? 'ok' : 'FAILED'}`);
  if (!ok) failed = true;
}

try {
  // 1. fetch() → fromWebReadable(res.body) → lines() → parse → filter → CSV lines → a file.
  const started = performance.now();
  const res = await fetch(`${base}/readings.ndjson?count=${COUNT}`);
  if (!res.ok || res.body === null) throw new Error(`GET /readings.ndjson: HTTP ${res.status}`);
  await run(
    fromWebReadable(res.body),
    lines(),
    map(parseReading),
    filter((r: Reading) => r.status === 'ok'),
    map((r: Reading) => `${r.sensor},${r.at},${(r.centi / 100).toFixed(2)}\n`),
    createWriteStream(outFile),
  );
  const ms = performance.now() - started;
  const text = await readFile(outFile, 'utf8');
  const rows = text.split('\n').slice(0, -1);
  const fileLines = rows.length;
  let centi = 0;
  for (const row of rows) centi += Math.round(Number(row.slice(row.lastIndexOf(',') + 1)) * 100);
  const sha256 = createHash('sha256').update(text).digest('hex');
  console.log(`fetch → fromWebReadable → lines → parse → filter → file: ${COUNT} readings in ${ms.toFixed(0)} ms (${res.headers.get('content-type')})`);
  console.log(`file: ${outFile}: ${fileLines} lines, ${text.length} bytes, sum ${(centi / 100).toFixed(2)}, sha256 ${sha256}`);
  const want = expectedCsv(COUNT);
  check(fileLines === want.lines && centi === want.centi, `${want.lines} ok readings of ${COUNT} written, sum ${(want.centi / 100).toFixed(2)}`);

  // 2. The handler's Response, read back in this process: the whole body with response.text().
  const small = Math.min(COUNT, 1000);
  const response = handle(new Request(`${base}/readings.ndjson?count=${small}`));
  const body = await response.text();
  const got = body.split('\n').slice(0, -1).map(parseReading);
  const same = JSON.stringify(got) === JSON.stringify(await toArray(readings(small)));
  console.log(`Response(toWebReadable(...)).text(): ${got.length} lines, ${Buffer.byteLength(body)} bytes, ${response.headers.get('content-type')}`);
  check(same && body.endsWith('\n'), `the Response body is the ${small} readings, in order`);

  // 3. An early stop: read 10 lines of a long Response body, then break. The break cancels the body,
  //    which returns the generator (its finally runs); it was pulled only a little ahead of the reader.
  let generated = -1;
  const long = handle(new Request(`${base}/readings.ndjson?count=1000000`), (n) => (generated = n));
  let read = 0;
  for await (const line of pipe(fromWebReadable(long.body!), lines())) {
    void line;
    if (++read === 10) break;
  }
  console.log(`break after ${read} lines of a 1000000-reading Response: the generator stopped after ${generated} readings`);
  check(generated > 0 && generated < 1_000_000, 'the cancelled body stopped the generator (its finally ran)');
} finally {
  server.close();
  server.closeAllConnections();
  if (!values.keep) await rm(outFile, { force: true });
  else console.log(`kept: ${outFile}`);
}
if (failed) process.exitCode = 1;
