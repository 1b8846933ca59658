/**
 * NDJSON → objects (issue 14, case 3): an NDJSON file of `n` rows ({@link jsonLine}, ~100 bytes each;
 * the default 1M rows is ~100 MB) read with `fs.createReadStream`, every line parsed with `JSON.parse`,
 * every value counted and checksummed (by its `id` and `ms` fields) by the same sink, as
 *   (a) a hand-written Transform: StringDecoder + indexOf + JSON.parse, one push per value — the reference
 *   (b) genstream `ndjsonParse()` as a stage of `stream.pipeline`                        — the subject
 *   (c) genstream `chain(ndjsonParse())` between the file and the same sink
 *   (d) genstream `for await (const v of pipe(file, ndjsonParse()))`
 *   (e) split2 with a mapper, `split2(JSON.parse)`, in pipeline
 *   (f) the `ndjson` package's `parse()` in pipeline
 * Target: (b) ≥ 0.95× (a).
 *
 *   npm run bench -- ndjson [--n 1000000]
 */
import * as fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import ndjson from 'ndjson';
import split2 from 'split2';
import type { TypedReadable } from '../lib/index.js';
import { ndjsonFile } from './data.js';
import { Tally, tallySink } from './fixtures.js';
import { defineBench, type Derived } from './harness.js';

/** The fields of a {@link jsonLine} row the checksum reads. */
interface Row {
  id: number;
  ms: number;
}

/** The checksum sees two parsed fields, so a case that does not parse (or drops a row) cannot pass. */
const hashRow = (r: Row): number => (Math.imul(r.id, 1009) + r.ms) | 0;


/** What a careful engineer writes by hand: decode, split with indexOf, JSON.parse each line, push each value. */
class NdjsonTransform extends Transform {
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    let nl = text.indexOf('\n');
    try {
      while (nl !== -1) {
        if (nl > start) this.push(JSON.parse(text.slice(start, nl)));
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
    } catch (err) {
      return cb(err as Error);
    }
    this.rest = text.slice(start);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const last = (this.rest + this.decoder.end()).trim();
    try {
      if (last.length > 0) this.push(JSON.parse(last));
    } catch (err) {
      return cb(err as Error);
    }
    cb();
  }
}

/** The file's chunks, declared (a file stream is an untyped Readable: items `unknown` in chain()/pipe()/run()). */
const open = (file: string): TypedReadable<Buffer> => fs.createReadStream(file);

export default defineBench({
  name: 'ndjson',
  title: 'NDJSON file → objects: genstream ndjsonParse() vs a hand Transform, split2(JSON.parse), ndjson',
  n: 1_000_000,
  passes: 2,
  reference: 'hand',
  baselines: ['pipelineNdjson', 'split2'],
  subject: 'pipelineNdjson',
  cases: [
    {
      key: 'hand',
      label: '(a) hand NDJSON Transform',
      setup: async ({ n }) => {
        const file = await ndjsonFile(n);
        return async () => {
          const tally = new Tally(hashRow);
          await pipeline(open(file), new NdjsonTransform(), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'pipelineNdjson',
      label: '(b) ndjsonParse() in pipeline',
      setup: async ({ n, lib }) => {
        const file = await ndjsonFile(n);
        return async () => {
          const tally = new Tally(hashRow);
          await pipeline(open(file), lib.ndjsonParse<Row>(), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'chainNdjson',
      label: '(c) chain(ndjsonParse()) → sink',
      setup: async ({ n, lib }) => {
        const file = await ndjsonFile(n);
        return async () => {
          const tally = new Tally(hashRow);
          await pipeline(open(file), lib.chain(lib.ndjsonParse<Row>()), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'pipeNdjson',
      label: '(d) for await … of pipe(file, ndjsonParse())',
      setup: async ({ n, lib }) => {
        const file = await ndjsonFile(n);
        return async () => {
          const tally = new Tally(hashRow);
          for await (const row of lib.pipe(open(file), lib.ndjsonParse<Row>())) tally.add(row);
          return tally.result();
        };
      },
    },
    {
      key: 'split2',
      label: '(e) split2(JSON.parse) in pipeline',
      setup: async ({ n }) => {
        const file = await ndjsonFile(n);
        return async () => {
          const tally = new Tally(hashRow);
          await pipeline(open(file), split2(JSON.parse), tallySink(tally));
          return tally.result();
        };
      },
    },
    {
      key: 'ndjsonPkg',
      label: '(f) ndjson.parse() in pipeline',
      setup: async ({ n }) => {
        const file = await ndjsonFile(n);
        return async () => {
          const tally = new Tally(hashRow);
          await pipeline(open(file), ndjson.parse(), tallySink(tally));
          return tally.result();
        };
      },
    },
  ],
  summary: (median) => {
    const out: Derived[] = [];
    const hand = median('hand');
    const b = median('pipelineNdjson');
    const c = median('chainNdjson');
    const d = median('pipeNdjson');
    const s = median('split2');
    if (b !== undefined && hand !== undefined) out.push({ label: 'ndjsonParse() in pipeline / hand Transform', value: b / hand, unit: 'ratio', target: 0.95 });
    if (c !== undefined && b !== undefined) out.push({ label: 'chain(ndjsonParse()) / pipeline form', value: c / b, unit: 'ratio' });
    if (d !== undefined && b !== undefined) out.push({ label: 'pipe(file, ndjsonParse()) / pipeline form', value: d / b, unit: 'ratio' });
    if (b !== undefined && s !== undefined) out.push({ label: 'ndjsonParse() / split2(JSON.parse)', value: b / s, unit: 'ratio' });
    return out;
  },
});
