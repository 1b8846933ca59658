import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'lib/index.ts', 'workers/index': 'lib/workers/index.ts', 'redis/index': 'lib/redis/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  treeshake: false,
});
