/**
 * What a build of genstream is, for the benchmark results: its ES module files (`.js`, `.mjs`; the entry
 * points share chunk files) and one hash over them. bench/run.ts copies and hashes the build it measures;
 * test/bench-results.test.ts hashes a fresh build of lib/ to tell whether committed results still
 * measure the current code (a change to comments or types only leaves the build as it was).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The ES module files of a build (`.js`, `.mjs` and their source maps) under `dir`, relative, sorted. */
export function esmFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((rel) => /\.m?js(\.map)?$/.test(rel) && !rel.split(path.sep).includes('node_modules') && fs.statSync(path.join(dir, rel)).isFile())
    .sort();
}

/** sha256 (16 hex digits) over the build's module files, names and contents, source maps left out. */
export function buildHash(dir: string): string {
  const hash = createHash('sha256');
  for (const rel of esmFiles(dir)) if (!rel.endsWith('.map')) hash.update(`${rel}\0`).update(fs.readFileSync(path.join(dir, rel)));
  return hash.digest('hex').slice(0, 16);
}
