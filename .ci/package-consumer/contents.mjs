// What the installed tarball holds (./node_modules/genstream): the build, the lib/ sources its source maps
// point at, and nothing else. Every map's `sources` resolve inside the package (a debugger and
// `node --enable-source-maps` find them there); no map carries a copy of them (`sourcesContent`); every
// shipped lib/ file is some map's source (type-only modules stay out: see "files" in package.json).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const pkg = join(import.meta.dirname, 'node_modules', 'genstream');
const files = readdirSync(pkg, { recursive: true, encoding: 'utf8' })
  .filter((rel) => statSync(join(pkg, rel)).isFile())
  .sort();
const TOP = new Set(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']);
const stray = files.filter((rel) => !TOP.has(rel) && !rel.startsWith('dist/') && !rel.startsWith('lib/'));
assert.deepEqual(stray, [], 'files outside dist/ and lib/ besides package.json, README.md, CHANGELOG.md, LICENSE');
for (const top of TOP) assert.ok(files.includes(top), `${top} is in the package`);

const sources = new Set();
for (const rel of files.filter((f) => /\.c?js$/.test(f))) {
  const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(pkg, rel), 'utf8'))?.[1];
  assert.ok(url !== undefined, `${rel} names its source map`);
  const mapRel = join(dirname(rel), url);
  assert.ok(files.includes(mapRel), `${rel}: its map ${mapRel} is in the package`);
  const map = JSON.parse(readFileSync(join(pkg, mapRel), 'utf8'));
  assert.ok(!('sourcesContent' in map), `${mapRel} carries no copy of the sources (they ship in lib/)`);
  assert.ok(map.sources.length > 0, `${mapRel} has sources`);
  for (const source of map.sources) {
    const src = join(dirname(mapRel), source);
    assert.ok(!relative(pkg, join(pkg, src)).startsWith('..') && existsSync(join(pkg, src)), `${mapRel}: source ${source} (${src}) is in the package`);
    sources.add(src);
  }
}
const unmapped = files.filter((rel) => rel.startsWith('lib/') && !sources.has(rel));
assert.deepEqual(unmapped, [], 'lib/ files no source map points at (type-only modules): leave them out with a "!lib/..." entry in package.json "files"');

const kB = (pred) => `${(files.filter(pred).reduce((n, rel) => n + statSync(join(pkg, rel)).size, 0) / 1000).toFixed(1)} kB`;
console.log(
  `contents: ${files.length} files; dist/ JavaScript ${kB((f) => /^dist\/.*\.c?js$/.test(f))}, declarations ${kB((f) => /\.d\.c?ts$/.test(f))}, ` +
    `source maps ${kB((f) => f.endsWith('.map'))}; lib/ sources ${kB((f) => f.startsWith('lib/'))} (${sources.size} files, every map source found)`,
);
