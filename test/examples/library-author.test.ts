import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { chain, pipe, toArray, toReadable, toWritable } from 'genstream';
import { parseTsv, parseTsvStream, TsvError, type TsvSummary } from '../../examples/library-author/tsv.js';
import { exampleTmpDir, runExample } from './helpers.js';

const tmp = exampleTmpDir();
const columns = { id: 'number', name: 'string', vip: 'boolean' } as const;

/** A TSV split into awkward chunks: mid-line, and mid-character (é and 東 are several UTF-8 bytes). */
function chunks(): Buffer[] {
  const text = 'id\tname\tvip\n' + Array.from({ length: 50 }, (_, i) => `${i + 1}\tcafé 東京 ${i}\t${i % 3 === 0}\n`).join('');
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 7) out.push(bytes.subarray(at, at + 7));
  return out;
}

/** A source generator whose finally is counted. */
function counted(items: Buffer[], stats: { finallyRuns: number }): AsyncGenerator<Buffer> {
  return (async function* () {
    try {
      yield* items;
    } finally {
      stats.finallyRuns++;
    }
  })();
}

describe('examples/library-author', () => {
  it('runs: both forms give the same records, and both clean up on an early exit', { timeout: 30_000 }, async () => {
    const { stdout } = await runExample('library-author/main.ts', ['--smoke'], tmp);
    expect(stdout).toMatch(/^stream API: 4995 records, 5 invalid lines skipped, VIP total 24300\.00$/m);
    expect(stdout).toMatch(/^iterable API: 4995 records, 5 invalid lines skipped$/m);
    expect(stdout).toMatch(/^check: both forms gave the same 4995 records \(checksum [0-9a-f]{12}\): ok$/m);
    expect(stdout).toMatch(/^iterable API, break at id 10: onDone called 1 time\(s\) with \{"records":10,"skipped":0,"complete":false\}; file stream destroyed: true$/m);
    expect(stdout).toMatch(/^stream API, destroy\(\) after 10 records: onDone called 1 time\(s\)/m);
    expect(stdout.match(/^check: .*: ok$/gm)).toHaveLength(4);
    expect(stdout).not.toMatch(/FAILED/);
  });
});

describe('parseTsv and parseTsvStream (the library)', () => {
  it('give the same records from the same bytes, however they are chunked', async () => {
    const iterable = await toArray(parseTsv(chunks(), { columns, header: true }));
    const streamed: unknown[] = [];
    await pipeline(Readable.from(chunks()), parseTsvStream({ columns, header: true }), toWritable(async (rs) => { for await (const r of rs) streamed.push(r); }));
    expect(iterable).toHaveLength(50);
    expect(iterable[0]).toEqual({ id: 1, name: 'café 東京 0', vip: true });
    expect(iterable[49]).toEqual({ id: 50, name: 'café 東京 49', vip: false });
    expect(streamed).toEqual(iterable);
    // The stream form in chain(), and the iterable form as a pipe() stage: the same again.
    expect(await toArray(chain(toReadable(chunks()), parseTsvStream({ columns, header: true })))).toEqual(iterable);
    expect(await toArray(pipe(chunks(), (src) => parseTsv(src, { columns, header: true })))).toEqual(iterable);
  });

  it('break: runs the parser finally once (onDone, complete: false) and returns the source', async () => {
    const done: TsvSummary[] = [];
    const stats = { finallyRuns: 0 };
    let n = 0;
    for await (const r of parseTsv(counted(chunks(), stats), { columns, header: true, onDone: (s) => done.push(s) })) {
      if (++n === 3) {
        expect(r.id).toBe(3);
        break;
      }
    }
    expect(done).toEqual([{ records: 3, skipped: 0, complete: false }]);
    expect(stats.finallyRuns).toBe(1);
  });

  it('destroy(): runs the parser finally once, and the pipeline source is closed', async () => {
    const done: TsvSummary[] = [];
    const stats = { finallyRuns: 0 };
    const parser = parseTsvStream({ columns, header: true, onDone: (s) => done.push(s) });
    let got = 0;
    const run = pipeline(toReadable(counted(chunks(), stats)), parser, toWritable(async (rs) => {
      for await (const _ of rs) if (++got === 5) parser.destroy();
    }));
    await expect(run).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(done).toHaveLength(1);
    expect(done[0]!.complete).toBe(false);
    expect(done[0]!.records).toBeGreaterThanOrEqual(5);
    expect(stats.finallyRuns).toBe(1);
  });

  it('an invalid line fails both forms with the same TsvError naming the line, after onDone(complete: false)', async () => {
    const bad = ['1\ta\ttrue\n', '2\tb\tmaybe\n', '3\tc\tfalse\n'];
    const done: TsvSummary[] = [];
    const got: number[] = [];
    const err = await (async () => {
      for await (const r of parseTsv(bad, { columns, onDone: (s) => done.push(s) })) got.push(r.id);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsvError);
    expect(err).toMatchObject({ line: 2, code: 'ERR_TSV_INVALID_LINE', message: 'tsv: line 2: column vip: "maybe" is not true or false' });
    expect(got).toEqual([1]);

    const viaStream = await pipeline(Readable.from(bad), parseTsvStream({ columns, onDone: (s) => done.push(s) }), toWritable(async (rs) => { for await (const _ of rs); })).catch((e: unknown) => e);
    expect(viaStream).toBeInstanceOf(TsvError);
    expect((viaStream as TsvError).line).toBe(2);
    expect(done).toEqual([{ records: 1, skipped: 0, complete: false }, { records: 1, skipped: 0, complete: false }]);
  });

  it('checks its options at call time, naming the bad column', () => {
    // @ts-expect-error 'date' is not a column type
    expect(() => parseTsvStream({ columns: { at: 'date' } })).toThrow("parseTsvStream: column `at` has type \"date\"; expected 'string', 'number' or 'boolean'");
    // @ts-expect-error a number is not a source
    expect(() => parseTsv(42, { columns })).toThrow('parseTsv: expected `source` to be an iterable or async iterable of strings or bytes; got number');
  });
});
