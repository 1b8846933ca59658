/**
 * `npm run examples`: runs every example at its smoke size (`--smoke`), one after another, each in its
 * own process as `npx tsx examples/<file> --smoke` would (with TMPDIR a scratch directory removed at the
 * end). Each prints its result and exits 0; an example
 * whose service is missing (PostgreSQL, redis-server) prints `skipped: <reason>` instead. Ends with one
 * line per example and exits 1 if any failed.
 *
 *   npm run examples                 # all of them
 *   npm run examples -- log-pipeline # the ones whose file name contains "log-pipeline"
 *   npm run examples -- --no-skip    # a skipped example fails (CI, where every service was started)
 *
 * An example still running after 2 minutes is stopped and counts as failed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');

const scratch = mkdtempSync(join(tmpdir(), 'genstream-run-all-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** The headline example reads a CSV file it is given: 1000 rows of `id,name,amount`. */
function quickStartCsv(): string {
  const file = join(scratch, 'big.csv');
  let text = 'id,name,amount\n';
  for (let i = 1; i <= 1000; i++) text += `${i},customer-${i % 97},${(i % 100) / 4}\n`;
  writeFileSync(file, text);
  return file;
}

/** Every example, in the order the README lists them, with its smoke-size arguments. */
const examples: { file: string; args: () => string[] }[] = [
  { file: 'quick-start.ts', args: () => [quickStartCsv()] },
  ...[
    'large-csv.ts',
    'log-pipeline.ts',
    'postgres-copy.ts',
    'paginated-api.ts',
    'legacy-stream.ts',
    'library-author/main.ts',
    'web-streams.ts',
    'progress-bar.ts',
    'redis-workers/main.ts',
  ].map((file) => ({ file, args: () => ['--smoke'] })),
];

interface Outcome {
  file: string;
  verdict: 'ok' | 'skipped' | 'FAILED';
  detail: string;
  ms: number;
}

function runOne(file: string, args: string[]): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(tsx, [join(here, file), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: scratch } });
    let out = '';
    const show = (prefix: string) => (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      for (const line of text.split('\n')) if (line !== '') process.stdout.write(`  ${prefix}${line}\n`);
    };
    child.stdout.on('data', show(''));
    child.stderr.on('data', show('! '));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM'); // tsx passes it on to the example
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, TIMEOUT_MS);
    let timedOut = false;
    child.on('error', (err) => resolve({ file, verdict: 'FAILED', detail: err.message, ms: performance.now() - started }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (timedOut) return resolve({ file, verdict: 'FAILED', detail: `still running after ${TIMEOUT_MS / 1000} s: stopped`, ms });
      const skipped = /^skipped: (.*)$/m.exec(out);
      if (code === 0 && skipped) resolve({ file, verdict: noSkip ? 'FAILED' : 'skipped', detail: `${noSkip ? 'skipped under --no-skip: ' : ''}${skipped[1]!}`, ms });
      else if (code === 0) resolve({ file, verdict: 'ok', detail: '', ms });
      else resolve({ file, verdict: 'FAILED', detail: signal ? `killed by ${signal}` : `exit ${code}`, ms });
    });
  });
}

const TIMEOUT_MS = 120_000;
const noSkip = process.argv.includes('--no-skip');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const picked = filters.length === 0 ? examples : examples.filter((e) => filters.some((s) => e.file.includes(s)));
if (picked.length === 0) {
  console.error(`no example matches ${filters.join(', ')}; the examples are: ${examples.map((e) => e.file).join(', ')}`);
  process.exit(2);
}
const outcomes: Outcome[] = [];
for (const { file, args } of picked) {
  const argv = args();
  console.log(`\n== examples/${file} ${argv.join(' ')}`);
  outcomes.push(await runOne(file, argv));
}
console.log('\n== summary');
for (const o of outcomes) console.log(`${o.verdict.padEnd(7)} ${o.file.padEnd(24)} ${(o.ms / 1000).toFixed(1).padStart(5)} s ${o.detail}`);
const failed = outcomes.filter((o) => o.verdict === 'FAILED').length;
console.log(`${outcomes.length - failed} of ${outcomes.length} examples ran (${outcomes.filter((o) => o.verdict === 'skipped').length} skipped), ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
