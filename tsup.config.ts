import { readFile, writeFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

/**
 * Source maps without the sources inside (`sourcesContent`): the package ships the lib/ files the maps
 * point at (`../lib/...` from dist/), so a debugger or `node --enable-source-maps` finds them there,
 * once, instead of a copy of every source in each of the ESM and CJS maps. Done after esbuild wrote the
 * build, not with esbuild's own `sourcesContent: false`, because esbuild's chunk names hash the maps
 * too: the JavaScript (names, imports, `//# sourceMappingURL=` comments) stays byte for byte what
 * esbuild wrote, the build the benchmark results measured (bench/artefact.ts).
 */
const mapsWithoutSources: NonNullable<Options['plugins']>[number] = {
  name: 'maps-without-sources',
  async buildEnd({ writtenFiles }) {
    await Promise.all(
      writtenFiles
        .filter((file) => file.name.endsWith('.map'))
        .map(async ({ name }) => {
          const map = JSON.parse(await readFile(name, 'utf8')) as { sourcesContent?: unknown };
          delete map.sourcesContent;
          await writeFile(name, JSON.stringify(map));
        }),
    );
  },
};

export default defineConfig({
  entry: { index: 'lib/index.ts', 'workers/index': 'lib/workers/index.ts', 'redis/index': 'lib/redis/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  treeshake: false,
  plugins: [mapsWithoutSources],
});
