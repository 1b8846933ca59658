import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests and the examples they import use `genstream` as a user would; like tsconfig.json's `paths`,
  // point it at lib/ (vite would otherwise resolve the package's own name to its build in dist/).
  resolve: {
    alias: [
      { find: /^genstream$/, replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)) },
      { find: /^genstream\/(workers|redis)$/, replacement: fileURLToPath(new URL('./lib/$1/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // A forgotten `.only` fails its file instead of silently running one test (vitest's own default
    // allows it unless CI=true). To focus locally: `npx vitest run --allowOnly test/x.test.ts`.
    allowOnly: false,
    // The JSON report is what .ci/run counts ("N passed, N failed"). .ci/run names one report file per
    // run (GENSTREAM_CI_REPORT) and asks for a progress log (GENSTREAM_CI_PROGRESS) that names the files
    // a hang left unfinished when its time limit kills the run.
    reporters: ['default', 'json', ...(process.env.GENSTREAM_CI_PROGRESS ? ['./.ci/progress-reporter.mjs'] : [])],
    outputFile: { json: process.env.GENSTREAM_CI_REPORT || '.ci/vitest-report.json' },
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
