// Mutation testing (opt-in): `npm run mutate`, or one file: `npm run mutate -- --mutate lib/internal/pump.ts`.
// Mutates the bridge, the kernel and the adapters, and runs only the vitest tests that cover each
// mutant (coverageAnalysis 'perTest'). Reports: reports/mutation/mutation.html and mutation.json
// (git-ignored), plus the clear-text table on stdout.
//
// Stryker writes those reports only when the whole run has finished, and a run over the full scope takes
// hours on 2 shared cores. So this file is also a Stryker plugin module: the `mutant-log` reporter below
// appends one JSON line per mutant as soon as it has been tested, to reports/mutation/mutants.ndjson
// (file, 1-based line and column, mutator, replacement, status, the killing test), so a time-boxed or
// interrupted run still tells which mutants survived.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const MUTANT_LOG = 'reports/mutation/mutants.ndjson';

/** The `mutant-log` reporter (a value plugin: runs in Stryker's main process only). */
const mutantLog = {
  onMutationTestingPlanReady({ mutantPlans }) {
    mkdirSync(dirname(MUTANT_LOG), { recursive: true });
    writeFileSync(MUTANT_LOG, '');
    // Mutants decided without a test run (no coverage, ignored, reused by --incremental) are known now.
    for (const { plan, mutant } of mutantPlans) if (plan === 'EarlyResult') logMutant(mutant);
  },
  onMutantTested(result) {
    if (result.status !== 'Pending') logMutant(result);
  },
};

function logMutant(m) {
  const { line, column } = m.location.start; // reporters get 1-based positions (the report schema's)
  const entry = {
    file: m.fileName.replace(`${process.cwd()}/`, ''),
    line,
    column,
    mutator: m.mutatorName,
    replacement: m.replacement,
    status: m.status,
    killedBy: m.killedBy?.[0],
    statusReason: m.status === 'Killed' ? undefined : m.statusReason,
  };
  appendFileSync(MUTANT_LOG, `${JSON.stringify(entry)}\n`);
}

export const strykerPlugins = [{ kind: 'Reporter', name: 'mutant-log', value: mutantLog }];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['lib/internal/**/*.ts', 'lib/adapters/**/*.ts'],
  coverageAnalysis: 'perTest',
  // The CI machine and the dev VM have 2 cores shared with other work: one test-runner process.
  concurrency: 1,
  // A mutant's time limit is timeoutMS + timeoutFactor × (its covering tests' time in the dry run).
  // 5 s is the suite's own hang guard (test/helpers.ts `until`): a mutant that makes a guarded wait
  // fail still fails that test by name, while a mutant that hangs an unguarded test (vitest's 20 s
  // testTimeout) or starves the event loop (no timer can fire) ends as a timeout when Stryker kills the
  // worker — both count as detected. Each timeout costs the limit plus a worker restart, so keep it low.
  timeoutMS: 5000,
  timeoutFactor: 1.5,
  plugins: ['@stryker-mutator/vitest-runner', import.meta.url],
  reporters: ['clear-text', 'progress', 'html', 'json', 'mutant-log'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Let the vitest runner restart its worker now and then: a mutant that leaks timers or handles must
  // not slow down the mutants after it.
  maxTestRunnerReuse: 50,
};
