/**
 * Interop with a real parser: csv-parse's `parse()` is a Transform that turns bytes into rows and
 * fails with its own `CsvError`. Runs over a generated file of 100k rows.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromGen, fromReadable, toGen, toReadable, toWritable } from '../../lib/index.js';
import { closeEvent, ticks, until, watchUnhandled } from '../helpers.js';

watchUnhandled();

const ROWS = 100_000;

interface RawRow {
  id: string;
  name: string;
  amount: string;
}

interface Row {
  id: number;
  name: string;
  amount: number;
}

let dir = '';
let csvPath = '';
let badPath = '';
/** What a correct parse of the file adds up to. */
const expected = { count: 0, idSum: 0, amountSum: 0, quotedNames: 0 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'genstream-csv-'));
  csvPath = join(dir, 'rows.csv');
  badPath = join(dir, 'bad.csv');
  const parts: string[] = ['id,name,amount\n'];
  for (let i = 1; i <= ROWS; i++) {
    const amount = (i * 7919) % 1000;
    // Every 10th name is quoted and holds a comma and an escaped quote, so the parser really parses.
    const quoted = i % 10 === 0;
    parts.push(quoted ? `${i},"Doe, ""J"" ${i}",${amount}\n` : `${i},name${i},${amount}\n`);
    expected.count++;
    expected.idSum += i;
    expected.amountSum += amount;
    if (quoted) expected.quotedNames++;
  }
  writeFileSync(csvPath, parts.join(''));
  // 1000 good rows, then a row with one field too many.
  writeFileSync(badPath, `${parts.slice(0, 1001).join('')}1001,x,1,extra\n1002,y,2\n`);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A sink that adds up rows; resolves only once the totals are "saved". */
function totals() {
  const t = { count: 0, idSum: 0, amountSum: 0, quotedNames: 0 };
  const sink = toWritable(async (rows: AsyncIterable<Row>) => {
    for await (const r of rows) {
      t.count++;
      t.idSum += r.id;
      t.amountSum += r.amount;
      if (r.name.startsWith('Doe, "J"')) t.quotedNames++;
    }
  });
  return { t, sink };
}

describe('csv-parse interop', () => {
  it('pipeline(createReadStream, parse({ columns: true }), fromGen(stage), toWritable(sink)) over 100k rows', async () => {
    let finallies = 0;
    const toRow = fromGen(async function* toRow(source: AsyncIterable<RawRow>) {
      try {
        for await (const r of source) yield { id: Number(r.id), name: r.name, amount: Number(r.amount) };
      } finally {
        finallies++;
      }
    });
    const { t, sink } = totals();
    await pipeline(createReadStream(csvPath), parse({ columns: true }), toRow, sink);
    expect(t).toEqual(expected);
    expect(finallies).toBe(1);
  });

  it('for await (const row of toGen(() => parse())(lines)) over string chunks split mid-row', async () => {
    const parseCsv = toGen<string, string[]>(() => parse());
    function* lines() {
      yield 'a,b,c\n1,"x, ';
      yield 'y",3\n4,5';
      yield ',6\n';
    }
    const rows: string[][] = [];
    for await (const row of parseCsv(lines())) rows.push(row);
    expect(rows).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', '3'],
      ['4', '5', '6'],
    ]);
    // The factory makes the stage reusable.
    const again: string[][] = [];
    for await (const row of parseCsv(['p,q\n'])) again.push(row);
    expect(again).toEqual([['p', 'q']]);
  });

  it('toGen(() => parse({ columns: true })) over fromReadable(createReadStream) reads all 100k rows', async () => {
    const t = { count: 0, idSum: 0, amountSum: 0, quotedNames: 0 };
    const parseRows = toGen<Buffer, RawRow>(() => parse({ columns: true }));
    for await (const r of parseRows(fromReadable<Buffer>(createReadStream(csvPath)))) {
      t.count++;
      t.idSum += Number(r.id);
      t.amountSum += Number(r.amount);
      if (r.name.startsWith('Doe, "J"')) t.quotedNames++;
    }
    expect(t).toEqual(expected);
  });

  it('toGen(() => parse()) as a function stage in stream.pipeline over the file', async () => {
    const { t, sink } = totals();
    await pipeline(
      createReadStream(csvPath),
      toGen<Buffer, RawRow>(() => parse({ columns: true })),
      async function* (rows: AsyncIterable<RawRow>) {
        for await (const r of rows) yield { id: Number(r.id), name: r.name, amount: Number(r.amount) };
      },
      sink,
    );
    expect(t).toEqual(expected);
  });

  it('stops reading the file when the loop over toGen(parse) breaks after 10 rows', async () => {
    const file = createReadStream(csvPath, { highWaterMark: 1024 });
    const closed = closeEvent(file);
    const ids: string[] = [];
    for await (const r of toGen<Buffer, RawRow>(() => parse({ columns: true }))(fromReadable<Buffer>(file))) {
      ids.push(r.id);
      if (ids.length === 10) break;
    }
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    await closed;
    expect(file.destroyed).toBe(true);
    expect(file.bytesRead).toBeLessThan(64 * 1024); // far from the whole ~2.7 MB file
  });

  it('rejects the pipeline with an error that is instanceof CsvError for a malformed file, and the stage finally runs', async () => {
    let seen = 0;
    let finallies = 0;
    const stage = fromGen(async function* count(source: AsyncIterable<RawRow>) {
      try {
        for await (const r of source) {
          seen++;
          yield r;
        }
      } finally {
        finallies++;
      }
    });
    const err = await pipeline(createReadStream(badPath), parse({ columns: true }), stage, toWritable(async (rows) => {
      for await (const _ of rows);
    })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CsvError);
    expect((err as CsvError).code).toBe('CSV_RECORD_INCONSISTENT_COLUMNS');
    expect(seen).toBeLessThanOrEqual(1000);
    // destroy() does not wait on user code, so the stage's finally may run just after the rejection
    await until(() => finallies > 0);
    await ticks(2);
    expect(finallies).toBe(1);
  });

  it('throws a CsvError from the toGen loop for an unclosed quote, and the source finally runs', async () => {
    let finallies = 0;
    function* source() {
      try {
        yield 'a,b\n';
        yield '1,"never closed\n';
      } finally {
        finallies++;
      }
    }
    const rows: string[][] = [];
    const err = await (async () => {
      for await (const row of toGen<string, string[]>(() => parse())(source())) rows.push(row);
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CsvError);
    expect((err as CsvError).code).toBe('CSV_QUOTE_NOT_CLOSED');
    expect(rows).toEqual([['a', 'b']]);
    expect(finallies).toBe(1);
  });

  it('rejects with a CsvError when parse() reads from toReadable in byte mode', async () => {
    const err = await pipeline(
      toReadable('a,b\n1,2\n3\n', { objectMode: false }),
      parse(),
      toWritable(async (rows) => {
        for await (const _ of rows);
      }),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CsvError);
  });
});
