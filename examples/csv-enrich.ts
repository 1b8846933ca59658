/**
 * The main example: read a CSV file, parse it with csv-parse, enrich each row in a generator stage,
 * and save rows in batches from a sink — all inside `stream.pipeline`, with backpressure end to end.
 *
 *   npm run example            # generates a 100k-row CSV in the OS temp dir, then processes it
 *   npm run example -- my.csv  # processes your own file (columns: id,name,amount)
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { fromGen, fromWritable, toWritable } from 'genstream';

interface Row {
  id: string;
  name: string;
  amount: string;
}
interface Enriched {
  id: number;
  name: string;
  amount: number;
  vat: number;
}

async function makeCsv(path: string, rows: number): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    yield 'id,name,amount\n';
    for (let i = 1; i <= rows; i++) yield `${i},customer-${i % 977},${(i * 7919) % 10000 / 100}\n`;
  }
  await fromWritable(createWriteStream(path))(lines());
}

/** A generator stage: async function* over the whole source. */
async function* enrich(rows: AsyncIterable<Row>): AsyncGenerator<Enriched> {
  for await (const row of rows) {
    const amount = Number(row.amount);
    if (amount === 0) continue; // filter: skip empty orders
    yield { id: Number(row.id), name: row.name, amount, vat: Math.round(amount * 20) / 100 };
  }
}

/** A sink that saves in batches of 1000 (imagine a bulk INSERT); the last partial batch is saved too. */
async function saveBatches(source: AsyncIterable<Enriched>): Promise<void> {
  let batch: Enriched[] = [];
  let saved = 0;
  let total = 0;
  const save = async (rows: Enriched[]): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve)); // stands in for a database round trip
    saved += rows.length;
    for (const r of rows) total += r.amount;
  };
  for await (const row of source) {
    batch.push(row);
    if (batch.length === 1000) {
      await save(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await save(batch);
  console.log(`saved ${saved} rows, total amount ${total.toFixed(2)}`);
}

const file = process.argv[2] ?? join(tmpdir(), 'genstream-example.csv');
if (!process.argv[2]) await makeCsv(file, 100_000);
const started = Date.now();
await pipeline(createReadStream(file), parse({ columns: true }), fromGen(enrich), toWritable(saveBatches));
console.log(`processed ${file} in ${Date.now() - started} ms`);
