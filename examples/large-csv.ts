/**
 * A large CSV file in constant memory: `createReadStream → csv-parse → fromGen(enrich) → batch(1000) →
 * toWritable(save)` inside `stream.pipeline`, with backpressure end to end, so the file is never held
 * in memory. `--eager` does the same job the usual way (`readFile` + csv-parse/sync + arrays) to show
 * the memory difference: both modes print the same rows and totals, and their own rows/s and peak RSS.
 *
 *   npx tsx examples/large-csv.ts                 # generates 1M rows in the OS temp dir, then streams them
 *   npx tsx examples/large-csv.ts --eager         # the same rows, read with readFile into arrays
 *   npx tsx examples/large-csv.ts --rows 5000000  # a bigger file (try it with --eager too)
 *   npx tsx examples/large-csv.ts --smoke         # 20k rows
 *   npx tsx examples/large-csv.ts orders.csv      # your own file (columns: id,customer,amount)
 *
 * The saved rows go to an output CSV in the temp dir, one write per batch (removed at the end unless --keep).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { batch, fromGen, fromWritable, toWritable } from 'genstream';

const BATCH_SIZE = 1000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    eager: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const rowsToMake = Number(values.rows ?? (values.smoke ? 20_000 : 1_000_000));
if (!Number.isInteger(rowsToMake) || rowsToMake < 1) {
  console.error(`large-csv: --rows expects a positive integer, got ${values.rows}`);
  process.exit(2);
}

/** A row as csv-parse gives it with `columns: true`: every field a string. */
interface CsvRow {
  id: string;
  customer: string;
  amount: string;
}
/** A row ready to save: amounts in integer cents, so the totals are exact. */
interface Order {
  id: number;
  customer: string;
  cents: number;
  vatCents: number;
}

/** Writes `rows` orders as CSV; every 10 000th has amount 0 (an empty order, skipped by `enrich`). */
async function makeCsv(path: string, rows: number): Promise<void> {
  async function* text(): AsyncGenerator<string> {
    yield 'id,customer,amount\n';
    // 10 000 lines per chunk: one write per chunk, not per line.
    for (let start = 1; start <= rows; start += 10_000) {
      let chunk = '';
      for (let i = start; i < start + 10_000 && i <= rows; i++) chunk += `${i},customer-${i % 977},${((i * 7919) % 10_000) / 100}\n`;
      yield chunk;
    }
  }
  await fromWritable(createWriteStream(path))(text());
}

/** One row: parse and price it; `undefined` for an empty order. The same function in both modes. */
function enrichRow(row: CsvRow): Order | undefined {
  const cents = Math.round(Number(row.amount) * 100);
  if (!(cents > 0)) return undefined;
  return { id: Number(row.id), customer: row.customer, cents, vatCents: Math.round(cents / 5) };
}

/** Rows `enrich`/`eager` skipped (empty orders). */
const stats = { skipped: 0 };

/** The streaming stage: an async generator over the parser's rows. */
async function* enrich(rows: AsyncIterable<CsvRow>): AsyncGenerator<Order> {
  for await (const row of rows) {
    const order = enrichRow(row);
    if (order === undefined) stats.skipped++;
    else yield order;
  }
}

/** Where batches are saved: an output CSV, one awaited write per batch (a bulk INSERT's round trip). */
class Store {
  rows = 0;
  batches = 0;
  cents = 0;
  vatCents = 0;
  private constructor(private readonly file: FileHandle) {}

  static async open(path: string): Promise<Store> {
    const file = await open(path, 'w');
    await file.write('id,customer,amount,vat\n');
    return new Store(file);
  }

  async save(orders: readonly Order[]): Promise<void> {
    let text = '';
    for (const o of orders) {
      text += `${o.id},${o.customer},${(o.cents / 100).toFixed(2)},${(o.vatCents / 100).toFixed(2)}\n`;
      this.cents += o.cents;
      this.vatCents += o.vatCents;
    }
    await this.file.write(text);
    this.rows += orders.length;
    this.batches++;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}


async function streaming(input: string, store: Store): Promise<void> {
  await pipeline(
    createReadStream(input),
    parse({ columns: true }),
    fromGen(enrich),
    batch<Order>(BATCH_SIZE),
    toWritable(async (batches: AsyncIterable<Order[]>) => {
      for await (const orders of batches) await store.save(orders);
    }),
  );
}

async function eager(input: string, store: Store): Promise<void> {
  const text = await readFile(input, 'utf8');
  const rows = parseSync(text, { columns: true }) as CsvRow[];
  const orders: Order[] = [];
  for (const row of rows) {
    const order = enrichRow(row);
    if (order === undefined) stats.skipped++;
    else orders.push(order);
  }
  for (let i = 0; i < orders.length; i += BATCH_SIZE) await store.save(orders.slice(i, i + BATCH_SIZE));
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const money = (cents: number): string => (cents / 100).toFixed(2);

const dir = tmpdir();
const generated = positionals[0] === undefined;
const input = positionals[0] ?? join(dir, `genstream-large-csv-${process.pid}.csv`);
const output = join(dir, `genstream-large-csv-${process.pid}.saved.csv`);
const mode = values.eager ? 'eager' : 'streaming';
try {
  if (generated) {
    const t0 = performance.now();
    await makeCsv(input, rowsToMake);
    console.log(`generated ${rowsToMake} rows (${mb((await stat(input)).size)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${input}`);
  }
  console.log(
    values.eager
      ? `mode: eager (readFile → csv-parse/sync → arrays → batches of ${BATCH_SIZE})`
      : `mode: streaming (createReadStream → csv-parse → fromGen(enrich) → batch(${BATCH_SIZE}) → toWritable(save))`,
  );
  const store = await Store.open(output);
  const started = performance.now();
  try {
    await (values.eager ? eager(input, store) : streaming(input, store));
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const read = store.rows + stats.skipped;
  const peakRss = process.resourceUsage().maxRSS * 1024;

  console.log(`rows: ${read} read, ${store.rows} saved in ${store.batches} batches, ${stats.skipped} empty skipped`);
  console.log(`totals: amount ${money(store.cents)}, vat ${money(store.vatCents)}`);
  console.log(`${mode}: ${seconds.toFixed(2)} s, ${Math.round(read / seconds)} rows/s, peak RSS ${mb(peakRss)}`);
  if (generated && read !== rowsToMake) {
    console.error(`check failed: ${read} rows read, ${rowsToMake} generated`);
    process.exitCode = 1;
  } else if (generated) {
    console.log(`check: all ${rowsToMake} generated rows read once: ok`);
  }
  if (!values.eager) console.log(`compare the memory: npx tsx examples/large-csv.ts ${[...process.argv.slice(2), '--eager'].join(' ')}`);
} finally {
  if (!values.keep) {
    if (generated) await rm(input, { force: true });
    await rm(output, { force: true });
  } else {
    console.log(`kept: ${generated ? `${input}, ` : ''}${output}`);
  }
}
