/**
 * A long job with a progress bar: stream an NDJSON log, parse it, keep the errors, and save them in
 * batches — with `progress()` drawing items/s, MB/s and elapsed time on stderr.
 *
 *   npx tsx examples/progress-bar.ts            # generates a 200k-line log in the OS temp dir
 *   npx tsx examples/progress-bar.ts --smoke    # 20k lines
 *   npx tsx examples/progress-bar.ts my.ndjson  # your own file ({"level": "...", ...} per line)
 */
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createWriteStream } from 'node:fs';
import { batch, filter, fromWritable, ndjsonParse, progress, run, type Progress, type TypedReadable } from 'genstream';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  at: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { smoke: { type: 'boolean', default: false } } });
const total = values.smoke ? 20_000 : 200_000; // lines generated; the bar's 100%
const file = positionals[0] ?? join(tmpdir(), 'genstream-example.ndjson');
if (!positionals[0]) {
  const levels = ['info', 'info', 'info', 'warn', 'error'] as const;
  async function* log(): AsyncGenerator<string> {
    for (let i = 0; i < total; i++) yield `${JSON.stringify({ level: levels[i % 5], msg: `event ${i}`, at: i })}\n`;
  }
  await fromWritable(createWriteStream(file))(log());
}

function draw(p: Progress): void {
  const width = 30;
  const filled = Math.min(width, Math.round((p.items / total) * width));
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const line = `[${bar}] ${p.items.toLocaleString()} lines  ${(p.itemsPerSec / 1000).toFixed(0)}k lines/s  ${(p.elapsedMs / 1000).toFixed(1)} s`;
  process.stderr.write(`\r${line}${p.done ? '\n' : ''}`);
}

let saved = 0;
// A file stream is an untyped Readable (its items are `unknown` to run()): declare its chunks.
const input: TypedReadable<Buffer> = createReadStream(file);
const errors = await run(
  input,
  ndjsonParse<LogLine>(),
  progress<LogLine>({ every: 10_000, onProgress: draw }),
  filter((line: LogLine) => line.level === 'error'),
  batch(500),
  async (batches) => {
    for await (const rows of batches) {
      await new Promise((resolve) => setImmediate(resolve)); // stands in for a bulk insert
      saved += rows.length;
    }
    return saved;
  },
);
console.log(`saved ${errors} error lines from ${file}`);
