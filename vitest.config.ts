import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The JSON report is what .ci/run counts ("N passed, N failed").
    reporters: ['default', 'json'],
    outputFile: { json: '.ci/vitest-report.json' },
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
