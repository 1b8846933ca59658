/**
 * CSV → enrich → sink (issue 14, case 4; the README's main job): a CSV file of `n` rows ({@link csvLine})
 * read with `fs.createReadStream` and parsed by csv-parse `parse({ columns: true })`, every row enriched
 * by the same function ({@link enrichRow}: `id` and `amount` as numbers, `amount` × 1.2, `city` upper-cased)
 * and tallied by a sink doing the same per-row work in every case, as
 *   (a) parse() alone into the sink, no enrich step      — the upper bound (csv-parse's own cost)
 *   (b) parse() + a hand objectMode Transform doing enrich + a hand Writable sink — the reference
 *   (c) parse() + `fromGen(async function* enrich)` + the hand Writable
 *   (d) parse() + `chain(map(enrichRow))` + `toWritable(sink)`                     — the subject
 *   (e) parse() + the same async function* passed straight to pipeline + the hand Writable
 * Targets: (d) ≥ 0.95× (b) (within 5% of the hand-written Transform + Writable); (c) ≥ 1.0× (e).
 * csv-parse sets the pace (~0.35M rows/s on the 2-core VM), so these ratios show what each way of adding
 * a stage costs on top of a real parser. One timed pass (after one warm-up pass) per process: a pass
 * over 1M rows takes ~3 s, and a full 5-round run of the five cases then takes ~3 minutes; more
 * rounds, not more passes, buy accuracy (see bench/harness.ts).
 *
 *   npm run bench -- csv [--n 1000000] [--passes 2]
 */
import * as fs from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { csvFile } from './data.js';
import { Tally } from './fixtures.js';
import { defineBench, type Derived } from './harness.js';

/** A row as csv-parse gives it with `columns: true` (header `id,name,city,amount,date`). */
interface CsvRow {
  id: string;
  name: string;
  city: string;
  amount: string;
  date: string;
}

interface Enriched {
  id: number;
  amount: number;
  city: string;
}

/** The per-row work every enriching case does. */
const enrichRow = (r: CsvRow): Enriched => ({ id: Number(r.id), amount: Number(r.amount) * 1.2, city: r.city.toUpperCase() });

/** The same enrich step as a generator stage. */
async function* enrich(rows: AsyncIterable<CsvRow>): AsyncGenerator<Enriched, void, undefined> {
  for await (const r of rows) yield enrichRow(r);
}

/** Every enriched field feeds the checksum (the upper-cased city by its length and first character). */
const hashEnriched = (e: Enriched): number => (Math.imul(e.id, 31) + Math.round(e.amount * 100) + Math.imul(e.city.length, 7) + e.city.charCodeAt(0)) | 0;
/** The upper-bound case's rows, un-enriched: a cheap hash of the raw strings. */
const hashRaw = (r: CsvRow): number => (Math.imul(r.id.length, 31) + r.amount.length + r.city.length) | 0;

/** The hand-written sink: one tally.add per row, like the toWritable sink. */
function handSink(tally: Tally): Writable {
  return new Writable({
    objectMode: true,
    write(row: unknown, _e, cb) {
      tally.add(row);
      cb();
    },
    writev(chunks, cb) {
      for (let i = 0; i < chunks.length; i++) tally.add(chunks[i].chunk);
      cb();
    },
  });
}

class EnrichTransform extends Transform {
  constructor() {
    super({ objectMode: true });
  }

  override _transform(r: CsvRow, _e: BufferEncoding, cb: TransformCallback): void {
    cb(null, enrichRow(r));
  }
}

const open = (file: string): fs.ReadStream => fs.createReadStream(file);
const csv = (): Transform => parse({ columns: true });

export default defineBench({
  name: 'csv',
  title: 'CSV file → csv-parse → enrich → sink: chain(map) + toWritable and fromGen vs a hand Transform + Writable',
  n: 1_000_000,
  passes: 1,
  reference: 'hand',
  baselines: ['parseOnly', 'pipelineGen'],
  subject: 'chainMap',
  outputGroup: (key) => (key === 'parseOnly' ? 'raw rows' : 'enriched'),
  cases: [
    {
      key: 'parseOnly',
      label: '(a) parse() alone → sink (upper bound)',
      setup: async ({ n }) => {
        const file = await csvFile(n);
        return async () => {
          const tally = new Tally(hashRaw);
          await pipeline(open(file), csv(), handSink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'hand',
      label: '(b) parse() + hand Transform + hand Writable',
      setup: async ({ n }) => {
        const file = await csvFile(n);
        return async () => {
          const tally = new Tally(hashEnriched);
          await pipeline(open(file), csv(), new EnrichTransform(), handSink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'fromGen',
      label: '(c) parse() + fromGen(async function*) + hand Writable',
      setup: async ({ n, lib }) => {
        const file = await csvFile(n);
        return async () => {
          const tally = new Tally(hashEnriched);
          await pipeline(open(file), csv(), lib.fromGen(enrich), handSink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'chainMap',
      label: '(d) parse() + chain(map(enrich)) + toWritable(sink)',
      setup: async ({ n, lib }) => {
        const file = await csvFile(n);
        return async () => {
          const tally = new Tally(hashEnriched);
          await pipeline(
            open(file),
            csv(),
            lib.chain(lib.map(enrichRow)),
            lib.toWritable(async (rows: AsyncIterable<Enriched>) => {
              for await (const row of rows) tally.add(row);
            }),
          );
          return tally.result();
        };
      },
    },
    {
      key: 'pipelineGen',
      label: '(e) parse() + async function* in pipeline + hand Writable',
      setup: async ({ n }) => {
        const file = await csvFile(n);
        return async () => {
          const tally = new Tally(hashEnriched);
          await pipeline(open(file), csv(), enrich, handSink(tally));
          return tally.result();
        };
      },
    },
  ],
  summary: (median) => {
    const out: Derived[] = [];
    const hand = median('hand');
    const upper = median('parseOnly');
    const cm = median('chainMap');
    const fg = median('fromGen');
    const pg = median('pipelineGen');
    if (cm !== undefined && hand !== undefined) out.push({ label: 'chain(map) + toWritable / hand Transform + Writable', value: cm / hand, unit: 'ratio', target: 0.95 });
    if (fg !== undefined && pg !== undefined) out.push({ label: 'fromGen / generator in pipeline', value: fg / pg, unit: 'ratio', target: 1.0 });
    if (hand !== undefined && upper !== undefined) out.push({ label: 'hand Transform + Writable / parse() alone', value: hand / upper, unit: 'ratio' });
    if (cm !== undefined && upper !== undefined) out.push({ label: 'chain(map) + toWritable / parse() alone', value: cm / upper, unit: 'ratio' });
    return out;
  },
});
