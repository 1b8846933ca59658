/**
 * Input files the text benchmarks read: generated once per size into `<tmpdir>/genstream-bench-data/`
 * (deterministic, so every case and every run reads the same bytes), written in 1 MB chunks so that
 * generating a 5M-line file does not raise the peak memory of the process that measures it.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const dir = path.join(os.tmpdir(), 'genstream-bench-data');
const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];

/** Line `i` of the log: `key=value` fields, ~80 bytes; every 97th line is malformed (no `=`). */
export function logLine(i: number): string {
  if (i % 97 === 96) return `-- marker ${i} --`;
  const ms = (i * 7919) % 1000;
  const sec = String(i % 60).padStart(2, '0');
  return `ts=2026-12-01T12:00:${sec}.${String(ms).padStart(3, '0')}Z level=${LEVELS[i % 6]} user=${(i * 31) % 10007} ms=${ms} path=/api/v1/items/${i % 1000}`;
}

/** Row `i` as one NDJSON line (~100 bytes). */
export function jsonLine(i: number): string {
  return JSON.stringify({ id: i, user: `u${(i * 31) % 10007}`, level: LEVELS[i % 6], ms: (i * 7919) % 1000, tags: ['a', i % 7 === 0 ? 'slow' : 'ok'] });
}

/** Row `i` of the CSV (after a header `id,name,city,amount,date`). */
export function csvLine(i: number): string {
  return `${i},name ${i % 5003},city ${(i * 13) % 101},${((i * 7919) % 100000) / 100},2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
}

export const CSV_HEADER = 'id,name,city,amount,date';

async function generate(name: string, n: number, line: (i: number) => string, header?: string): Promise<string> {
  const file = path.join(dir, `${name}-${n}.txt`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const out = fs.createWriteStream(tmp);
  let buf = header === undefined ? '' : `${header}\n`;
  for (let i = 0; i < n; i++) {
    buf += `${line(i)}\n`;
    if (buf.length >= 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  fs.renameSync(tmp, file); // atomic: a concurrent case never reads half a file
  return file;
}

/** A log file of `n` lines ({@link logLine}). */
export const logFile = (n: number): Promise<string> => generate('log', n, logLine);
/** An NDJSON file of `n` rows ({@link jsonLine}). */
export const ndjsonFile = (n: number): Promise<string> => generate('ndjson', n, jsonLine);
/** A CSV file with a header and `n` rows ({@link csvLine}). */
export const csvFile = (n: number): Promise<string> => generate('csv', n, csvLine, CSV_HEADER);
