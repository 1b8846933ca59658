/**
 * A paginated JSON API as an async generator, streamed on as NDJSON while the pages are still coming.
 * `pages()` follows the API's `next` links one page at a time; a server route turns it into an NDJSON
 * response with `run(pages(), flatMap(page => page.items), ndjsonStringify(), res)`, with backpressure
 * (a slow client pauses the paging). The same route built the usual way (the whole array first) is
 * measured in the same run: the client prints each one's time to first byte and checks every item.
 *
 *   npx tsx examples/paginated-api.ts                                  # 100 pages × 100 items, 20 ms per page
 *   npx tsx examples/paginated-api.ts --smoke                          # 20 pages × 50 items, 10 ms per page
 *   npx tsx examples/paginated-api.ts --pages 50 --per-page 500 --delay 50
 *
 * Everything runs in this process on 127.0.0.1 (a free port): the API, the export routes and the client.
 */
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { flatMap, ndjsonParse, ndjsonStringify, pipe, run, tap, toArray, type TypedReadable } from 'genstream';

const { values } = parseArgs({
  options: {
    pages: { type: 'string' },
    'per-page': { type: 'string' },
    delay: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
const PAGES = positiveInt('--pages', values.pages ?? (values.smoke ? '20' : '100'));
const PER_PAGE = positiveInt('--per-page', values['per-page'] ?? (values.smoke ? '50' : '100'));
const DELAY_MS = positiveInt('--delay', values.delay ?? (values.smoke ? '10' : '20'));
const TOTAL = PAGES * PER_PAGE;

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n > 0) return n;
  console.error(`paginated-api: ${flag} expects a positive integer, got ${value}`);
  process.exit(2);
}

interface Item {
  id: number;
  sku: string;
  price: number;
}
/** One page of the API: its items and the link to the next page (`null` on the last one). */
interface Page {
  items: Item[];
  next: string | null;
}

// ---------------------------------------------------------------------------------------------------
// The client side of the API: an async generator that follows `next` links, one request at a time.

/** Yields the API's pages in order, starting at `url`; a page is requested only when the one before is taken. */
async function* pages(url: string): AsyncGenerator<Page, void, undefined> {
  let next: string | null = url;
  while (next !== null) {
    const res = await fetch(next);
    if (!res.ok) throw new Error(`GET ${next}: HTTP ${res.status}`);
    const page = (await res.json()) as Page;
    yield page;
    next = page.next === null ? null : new URL(page.next, next).href;
  }
}

// ---------------------------------------------------------------------------------------------------
// The server: the paginated API (/items) and the two export routes built on it.

let pagesServed = 0;

/** GET /items?cursor=…: `PER_PAGE` items after a `DELAY_MS` pause (a database query's time), and a `next` link. */
async function servePage(url: URL, res: ServerResponse): Promise<void> {
  const page = Number(Buffer.from(url.searchParams.get('cursor') ?? 'MA', 'base64url').toString()); // 'MA' is '0'
  if (!Number.isInteger(page) || page < 0 || page >= PAGES) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad cursor' }));
    return;
  }
  await sleep(DELAY_MS);
  const items: Item[] = [];
  for (let i = 1; i <= PER_PAGE; i++) {
    const id = page * PER_PAGE + i;
    items.push({ id, sku: `SKU-${(id * 7919) % 100_000}`, price: (id % 1000) / 10 });
  }
  const next = page + 1 < PAGES ? `/items?cursor=${Buffer.from(String(page + 1)).toString('base64url')}` : null;
  pagesServed++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, next } satisfies Page));
}

/** GET /export.ndjson: every item as NDJSON, written as the pages arrive (genstream). */
async function exportStreamed(api: string, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  // run() writes with backpressure (write() === false waits for 'drain'): a client that reads slowly pauses
  // the paging once the socket buffers are full; a client that goes away destroys the response, which
  // returns pages() (no more requests).
  await run(
    pages(api),
    flatMap((page: Page) => page.items),
    ndjsonStringify(),
    res,
  );
}

/** GET /export-all.ndjson: the same body, built the usual way — every page fetched into one array first. */
async function exportEager(api: string, res: ServerResponse): Promise<void> {
  const all: Item[] = [];
  for await (const page of pages(api)) all.push(...page.items);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.end(all.map((item) => `${JSON.stringify(item)}\n`).join(''));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
  const route =
    url.pathname === '/items' ? servePage(url, res)
    : url.pathname === '/export.ndjson' ? exportStreamed(api, res)
    : url.pathname === '/export-all.ndjson' ? exportEager(api, res)
    : Promise.resolve(void res.writeHead(404).end());
  route.catch((err: unknown) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(String(err));
    else res.destroy(err as Error); // the client sees a cut-off body, not a complete-looking one
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// ---------------------------------------------------------------------------------------------------
// The client: reads an export as a stream of NDJSON items, checks the ids, and times the first byte.

interface Download {
  items: number;
  /** Ids are 1..TOTAL, each once, in order. */
  idsOk: boolean;
  firstByteMs: number;
  /** The API pages the server had fetched when the first byte arrived. */
  pagesAtFirstByte: number;
  totalMs: number;
}

async function download(path: string): Promise<Download> {
  pagesServed = 0;
  const started = performance.now();
  const res: IncomingMessage = await new Promise((resolve, reject) => get(`${base}${path}`, resolve).on('error', reject));
  if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode}`);
  let firstByteMs = -1;
  let pagesAtFirstByte = 0;
  // An IncomingMessage is an untyped Readable (its items are `unknown` to run()): declare its chunks.
  const body: TypedReadable<Buffer> = res;
  const { items, idsOk } = await run(
    body,
    tap(() => {
      if (firstByteMs >= 0) return;
      firstByteMs = performance.now() - started;
      pagesAtFirstByte = pagesServed;
    }),
    ndjsonParse<Item>(),
    async (source) => {
      let n = 0;
      let inOrder = true;
      for await (const item of source) if (item.id !== ++n) inOrder = false;
      return { items: n, idsOk: inOrder && n === TOTAL };
    },
  );
  return { items, idsOk, firstByteMs, pagesAtFirstByte, totalMs: performance.now() - started };
}

function report(label: string, d: Download): void {
  const ids = d.idsOk ? `ids 1..${TOTAL} each once, in order` : 'ids NOT 1..N in order';
  console.log(`${label} ${d.items} items, ${ids}; first byte ${d.firstByteMs.toFixed(0)} ms (after ${d.pagesAtFirstByte} of ${PAGES} pages), last byte ${d.totalMs.toFixed(0)} ms`);
}

try {
  console.log(`api: ${PAGES} pages × ${PER_PAGE} items, ${DELAY_MS} ms per page: ${base}/items`);
  // The generator on its own (plain for-await code), which also warms up the connections and the JIT.
  const direct = await toArray(pipe(pages(`${base}/items`), flatMap((page: Page) => page.items)));
  console.log(`pages(): ${direct.length} items from ${PAGES} pages`);
  const streamed = await download('/export.ndjson');
  report('streamed (genstream, /export.ndjson):  ', streamed);
  const eager = await download('/export-all.ndjson');
  report('eager (whole array, /export-all.ndjson):', eager);

  const countsOk = direct.length === TOTAL && streamed.idsOk && eager.idsOk;
  const sooner = streamed.firstByteMs < eager.firstByteMs;
  console.log(
    `check: ${countsOk ? `${TOTAL} items both ways` : 'items MISSING or out of order'}; ` +
      `first byte ${streamed.firstByteMs.toFixed(0)} ms streamed vs ${eager.firstByteMs.toFixed(0)} ms eager` +
      (sooner ? ` (${(eager.firstByteMs / Math.max(streamed.firstByteMs, 1)).toFixed(0)}× sooner)` : ' (NOT sooner)') +
      `: ${countsOk && sooner ? 'ok' : 'FAILED'}`,
  );
  if (!countsOk || !sooner) process.exitCode = 1;
} finally {
  server.close();
  server.closeAllConnections();
}
