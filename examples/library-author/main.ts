/**
 * For library authors: write the logic once as an async generator, ship it as both a stream API and an
 * async-iterable API (examples/library-author/tsv.ts: `parseTsvStream(options)` and
 * `parseTsv(source, options)`), with types that infer the record type from the options in both forms.
 * This program is the library's user: it writes a TSV file, parses it both ways (in `stream.pipeline`,
 * and in `for await`), checks that both gave the same records, and stops each form early to show that
 * the parser cleans up (its `finally` reports through `onDone`). Exits 1 if a check fails.
 *
 *   npx tsx examples/library-author/main.ts            # 100 000 lines
 *   npx tsx examples/library-author/main.ts --smoke    # 5 000 lines
 *   npx tsx examples/library-author/main.ts --lines 1000000
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { fromWritable, toWritable } from 'genstream';
import { parseTsv, parseTsvStream, type TsvRecord, type TsvSummary } from './tsv.js';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, lines: { type: 'string' } } });
const count = Number(values.lines ?? (values.smoke ? 5_000 : 100_000));
if (!Number.isInteger(count) || count < 20) throw new Error(`--lines expects an integer of at least 20, got ${values.lines}`);

// The user's side: one `columns` object, and the record type is inferred from it in both forms.
const columns = { id: 'number', name: 'string', amount: 'number', vip: 'boolean' } as const;
type Order = TsvRecord<typeof columns>; // { id: number; name: string; amount: number; vip: boolean }

const dir = mkdtempSync(join(tmpdir(), 'genstream-library-author-'));
const file = join(dir, 'orders.tsv');
let ok = true;
const check = (cond: boolean, what: string): void => {
  console.log(`check: ${what}: ${cond ? 'ok' : 'FAILED'}`);
  ok &&= cond;
};

try {
  // A header, `count` records, and one invalid line in every 1000 (skipped with `skipInvalid`).
  let invalid = 0;
  await fromWritable(createWriteStream(file))(
    (function* () {
      yield 'id\tname\tamount\tvip\n';
      for (let i = 1; i <= count; i++) {
        if (i % 1000 === 500) {
          invalid++;
          yield `${i}\tno amount\t\tfalse\n`;
        } else yield `${i}\tcustomer ${i % 97}\t${(i * 31) % 10_000 / 100}\t${i % 10 === 0}\n`;
      }
    })(),
  );
  const valid = count - invalid;
  const digest = (): { add(o: Order): void; hex(): string } => {
    const h = createHash('sha256');
    return { add: (o) => h.update(`${o.id}|${o.name}|${o.amount}|${o.vip}\n`), hex: () => h.digest('hex') };
  };

  // 1. The stream API, in stream.pipeline: file → parser Duplex → a sink.
  const viaStream = digest();
  let streamSummary: TsvSummary | undefined;
  let vipTotal = 0;
  await pipeline(
    createReadStream(file),
    parseTsvStream({ columns, header: true, skipInvalid: true, onDone: (s) => (streamSummary = s) }),
    toWritable(async (orders: AsyncIterable<Order>) => {
      for await (const o of orders) {
        viaStream.add(o);
        if (o.vip) vipTotal += o.amount;
      }
    }),
  );
  console.log(`stream API: ${streamSummary?.records} records, ${streamSummary?.skipped} invalid lines skipped, VIP total ${vipTotal.toFixed(2)}`);

  // 2. The async-iterable API, in plain for-await code.
  const viaIterable = digest();
  let iterSummary: TsvSummary | undefined;
  let seen = 0;
  for await (const o of parseTsv(createReadStream(file), { columns, header: true, skipInvalid: true, onDone: (s) => (iterSummary = s) })) {
    viaIterable.add(o);
    seen++;
  }
  console.log(`iterable API: ${seen} records, ${iterSummary?.skipped} invalid lines skipped`);
  const [a, b] = [viaStream.hex(), viaIterable.hex()];
  check(streamSummary?.records === valid && seen === valid && a === b, `both forms gave the same ${valid} records (checksum ${a.slice(0, 12)}${a === b ? '' : ` vs ${b.slice(0, 12)}`})`);
  check(streamSummary?.complete === true && iterSummary?.complete === true, 'both parses report complete: true');

  // 3. Early exit, iterable form: `break` returns the generator; its finally calls onDone once, and the
  //    file stream it was reading is destroyed.
  const early: TsvSummary[] = [];
  const source = createReadStream(file);
  for await (const o of parseTsv(source, { columns, header: true, onDone: (s) => early.push(s) })) {
    if (o.id === 10) break;
  }
  await finished(source).catch(() => {}); // a destroyed stream "finishes" with a premature close
  console.log(`iterable API, break at id 10: onDone called ${early.length} time(s) with ${JSON.stringify(early[0])}; file stream destroyed: ${source.destroyed}`);
  check(early.length === 1 && early[0]!.records === 10 && !early[0]!.complete && source.destroyed, 'break ran the parser\'s finally once and closed its source');

  // 4. Early exit, stream form: destroy() the Duplex after 10 records.
  const earlyStream: TsvSummary[] = [];
  const parser = parseTsvStream({ columns, header: true, onDone: (s) => earlyStream.push(s) });
  const input = createReadStream(file);
  input.pipe(parser);
  let got = 0;
  await new Promise<void>((resolve) => {
    parser.on('data', () => {
      if (++got === 10) parser.destroy();
    });
    parser.once('close', resolve);
  });
  input.destroy();
  console.log(`stream API, destroy() after 10 records: onDone called ${earlyStream.length} time(s) with ${JSON.stringify(earlyStream[0])}`);
  check(earlyStream.length === 1 && !earlyStream[0]!.complete && earlyStream[0]!.records >= 10, 'destroy() ran the parser\'s finally once');
} catch (err) {
  ok = false;
  console.error(`library-author: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
