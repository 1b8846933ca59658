import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mutation runs: the same suite, minus the packaging test (it builds the bundles with tsup, seconds per
// worker start, and mutants of lib/ cannot change its verdict beyond what the unit tests see).
export default mergeConfig(base, defineConfig({ test: { exclude: ['test/package.test.ts', 'node_modules/**'], typecheck: { enabled: false } } }));
