/**
 * The README's headline example, as it stands there (test/examples/quick-start.test.ts keeps the two the
 * same): a CSV file → csv-parse → a generator stage → an async sink saving in batches, in stream.pipeline.
 *
 *   npx tsx examples/quick-start.ts big.csv   # any CSV with the columns id,name,amount
 *   npm run examples -- quick-start            # runs it on a 1000-row CSV that run-all.ts writes
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { batch, fromGen, pipe, toWritable } from 'genstream';

interface Row { id: string; name: string; amount: string } // the CSV's columns

// A generator stage: the whole source in, rows out, one at a time (O(1) memory).
async function* enrich(rows: AsyncIterable<Row>) {
  for await (const row of rows) yield { ...row, vat: Number(row.amount) * 0.2 };
}

// An async sink: takes the stage's rows 500 at a time (a bulk INSERT would go here).
let saved = 0;
async function saveBatch(rows: AsyncIterable<Row & { vat: number }>) {
  for await (const group of pipe(rows, batch(500))) saved += group.length; // await db.insert(group)
}

await pipeline(
  createReadStream(process.argv[2] ?? 'big.csv'),
  parse({ columns: true }),
  fromGen(enrich),        // a generator stage as a Duplex, with backpressure
  toWritable(saveBatch),  // an async sink as a Writable: the pipeline resolves when it has finished
);
console.log(`saved ${saved} rows`);
