// Judges one vitest run for .ci/run: prints every failed, unfinished and skipped test, checks the counts,
// prints one line "<label>: N passed, N failed, N skipped", appends the numbers to the tally file, and
// exits 0 when the run is green, 1 when it is red.
//
//   node .ci/report.mjs --label node22 --report R.json --progress P.log --exit <vitest exit code>
//        --timed-out <0|1> --min <least number of tests expected> --node <major> --tally T.tsv
//
// Counted as failed: failed tests; tests that never finished (a crashed worker leaves them "pending"
// in the report); a file that failed with no failed test (it threw at import, or a hook failed); a
// skipped or todo test without "[skip-reason: ...]" in its name; tests missing below --min; a run that
// vitest itself called unsuccessful (exit code, success: false) with nothing else failed. When there is
// no report (the run hung and was killed, or vitest died), the progress log written by
// .ci/progress-reporter.mjs gives the results that arrived, and every file that never finished counts
// as one failed.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    label: { type: 'string' },
    report: { type: 'string' },
    progress: { type: 'string' },
    exit: { type: 'string', default: '0' },
    'timed-out': { type: 'string', default: '0' },
    min: { type: 'string', default: '1' },
    node: { type: 'string' },
    tally: { type: 'string' },
  },
});
const label = args.label;
const vitestExit = Number(args.exit);
const timedOut = args['timed-out'] === '1';
const minTests = Number(args.min);

const SKIP_REASON = /\[skip-reason:\s*([^\]]*)\]/;
const plain = (s) => String(s ?? '').replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
const firstLines = (s, n = 2) =>
  plain(s)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}...` : l))
    .join(' | ');
const rel = (p) => relative(process.cwd(), p);

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
const say = (line) => console.log(`  ${line}`);

// The progress log's first line says which node ran vitest (its workers inherit it): check the PATH trick.
const progressLog = args.progress && existsSync(args.progress) ? readFileSync(args.progress, 'utf8') : null;
const ranOn = /^node\t(\S+)/m.exec(progressLog ?? '')?.[1];
if (ranOn) console.log(`  vitest ran on node ${ranOn}`);
if (ranOn && args.node && ranOn.split('.')[0] !== `v${args.node}`) problems.push(`vitest ran on node ${ranOn}, not Node ${args.node}`);

function judgeSkip(file, fullName, status) {
  const reason = SKIP_REASON.exec(fullName);
  if (reason) {
    skipped += 1;
    say(`${status} (${reason[1].trim() || 'no reason given'}): ${file} > ${fullName}`);
  } else {
    failed += 1;
    say(`UNEXPECTED ${status.toUpperCase()} (no [skip-reason: ...] in its name): ${file} > ${fullName}`);
  }
}

if (!timedOut && args.report && existsSync(args.report)) {
  const r = JSON.parse(readFileSync(args.report, 'utf8'));
  let listed = 0;
  for (const f of r.testResults) {
    const file = rel(f.name);
    let failedHere = 0;
    const unfinished = [];
    for (const a of f.assertionResults) {
      if (a.status === 'passed') continue;
      if (a.status === 'failed') {
        failedHere += 1;
        say(`FAILED ${file} > ${a.fullName}: ${firstLines(a.failureMessages?.[0])}`);
      } else if (a.status === 'skipped' || a.status === 'todo') {
        judgeSkip(file, a.fullName, a.status);
      } else {
        unfinished.push(a.fullName);
      }
    }
    listed += f.assertionResults.length;
    if (unfinished.length > 0) {
      failedHere += unfinished.length;
      say(`NOT FINISHED ${file}: ${unfinished.length} test(s) never reported a result (worker crashed?), first: ${unfinished[0]}`);
    }
    if (f.status === 'failed' && failedHere === 0) {
      failedHere = 1;
      say(`FAILED FILE ${file} (counted as 1 failed): ${firstLines(f.message) || 'no message'}`);
    } else if (f.message) {
      say(`file error in ${file}: ${firstLines(f.message)}`);
    }
    failed += failedHere;
  }
  passed = r.numPassedTests;
  const accounted = r.numPassedTests + r.numFailedTests + r.numPendingTests + r.numTodoTests;
  if (accounted !== r.numTotalTests) {
    problems.push(
      `counts do not add up: ${r.numPassedTests} passed + ${r.numFailedTests} failed + ${r.numPendingTests} skipped + ` +
        `${r.numTodoTests} todo = ${accounted}, but numTotalTests = ${r.numTotalTests} (a test file did not finish)`,
    );
  }
  if (listed !== r.numTotalTests) problems.push(`report lists ${listed} tests but numTotalTests = ${r.numTotalTests}`);
  if (r.numTotalTests < minTests) {
    problems.push(`only ${r.numTotalTests} tests, expected at least ${minTests}: the missing ${minTests - r.numTotalTests} count as failed`);
    failed += minTests - r.numTotalTests;
  }
  if (failed === 0 && (r.success === false || vitestExit !== 0)) {
    problems.push(
      `vitest exited ${vitestExit} (success: ${r.success}) with no failed test in its report: ` +
        `look for "Unhandled Errors" in its output above (counted as 1 failed)`,
    );
    failed += 1;
  }
} else if (progressLog !== null) {
  problems.push(
    timedOut
      ? 'killed by the time limit before vitest wrote its report (a hang): counting the results that arrived'
      : `vitest exited ${vitestExit} without writing its JSON report: counting the results that arrived`,
  );
  const queued = new Set();
  const started = new Set();
  const ended = new Set();
  for (const line of progressLog.split('\n')) {
    const [kind, file, state, fullName] = line.split('\t');
    if (kind === 'planned' || kind === 'queued') queued.add(file);
    else if (kind === 'start') started.add(file);
    else if (kind === 'end') ended.add(file);
    else if (kind === 'result') {
      if (state === 'passed') passed += 1;
      else if (state === 'failed') {
        failed += 1;
        say(`FAILED ${file} > ${fullName}`);
      } else if (state === 'skipped') judgeSkip(file, fullName, 'skipped');
    }
  }
  const unfinished = [...queued].filter((f) => !ended.has(f));
  for (const f of unfinished) say(`NOT FINISHED ${f} (${started.has(f) ? 'started, never ended: hung here?' : 'never started'})`);
  failed += Math.max(unfinished.length, 1);
} else {
  problems.push(`vitest exited ${vitestExit} and left neither a report nor a progress log: no test ran`);
}

if (failed > 0 && problems.length === 0) problems.push(`${failed} failed`);
for (const p of problems) say(`RED: ${p}`);
console.log(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (args.tally) appendFileSync(args.tally, `${label}\t${passed}\t${failed}\t${skipped}\t${problems.length ? 'red' : 'green'}\n`);
process.exit(problems.length ? 1 : 0);
