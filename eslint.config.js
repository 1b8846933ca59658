import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['test/**', 'bench/**', 'examples/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Worker modules of the genstream/workers tests: plain Node JavaScript (syntax-error.mjs is broken on purpose).
  { ignores: ['test/workers/fixtures/syntax-error.mjs'] },
  {
    files: ['test/workers/fixtures/**/*.mjs', 'test/workers/fixtures/**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', performance: 'readonly' },
    },
  },
  { files: ['test/workers/fixtures/**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
