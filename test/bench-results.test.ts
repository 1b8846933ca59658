/**
 * The committed benchmark results (bench/results/<name>.json) come from a full run of the current
 * library: every benchmark has them, no case failed, at least 5 rounds, a clean lib/ at a commit, and
 * that commit is at or after the last commit that changed the code it measures (so a change there
 * needs a new run).
 *
 * "Changed" means changed the build: results also stay fresh when lib/ changed after the measured
 * commit but a build of lib/ now is byte-identical to the build measured (`artefact.sha256`, the hash
 * bench/artefact.ts makes; comments and types do not reach the build).
 *
 * The code a benchmark measures is lib/, except the folders of the subpath capabilities
 * (lib/workers/ for genstream/workers, lib/redis/ for genstream/redis): the core never imports them, so
 * only the benchmarks named after a capability measure its folder (bench/workers.bench.ts and
 * bench/workers-*.bench.ts measure lib/workers/ and the core it is built on).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHash } from '../bench/artefact.js';

const root = path.resolve(import.meta.dirname, '..');
const git = (...args: string[]): { ok: boolean; out: string } => {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim() };
};

const names = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const CAPABILITIES = ['workers', 'redis'];
/** The last commit that changed what benchmark `name` (`workers`, `workers-startup`, `chain`...) measures (see the header). */
const lastChange = (name: string): string => {
  const others = CAPABILITIES.filter((c) => name !== c && !name.startsWith(`${c}-`));
  return git('log', '-1', '--format=%H', '--', 'lib', ...others.map((c) => `:(exclude)lib/${c}`)).out;
};
const lastLibChange = git('log', '-1', '--format=%H', '--', 'lib').out;
const shallow = git('rev-parse', '--is-shallow-repository').out === 'true';
const history =
  lastLibChange === '' ? 'not a git checkout with history (no commit changed lib/)' : shallow ? 'a shallow clone: the measured commits may be missing' : undefined;

interface Result {
  rounds: number;
  artefact: { commit?: string; libDirty?: boolean; lib?: string; sha256?: string };
  cases: { key: string; failed?: string; median?: number; skipped?: string }[];
}

/** The hash of a build of lib/ as it is now (made once, with the repo's tsup config, only when needed). */
let builtNow: Promise<string> | undefined;
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genstream-bench-build-'));
afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));
const currentBuildHash = (): Promise<string> =>
  (builtNow ??= build({ outDir: buildDir, dts: false, silent: true }).then(() => buildHash(buildDir)));

const read = (name: string): Result => JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results', `${name}.json`), 'utf8')) as Result;

describe('committed benchmark results', () => {
  for (const name of names) {
    it(`${name}: a full, clean run with no failed case`, () => {
      const r = read(name);
      expect(r.rounds).toBeGreaterThanOrEqual(5);
      expect(r.artefact.lib).toBe('dist');
      expect(r.artefact.libDirty).toBe(false);
      expect(r.cases.length).toBeGreaterThan(0);
      expect(r.cases.filter((c) => c.failed !== undefined).map((c) => c.key)).toEqual([]);
      for (const c of r.cases) if (c.skipped === undefined) expect(Number.isFinite(c.median)).toBe(true);
      expect(fs.existsSync(path.join(root, 'bench', 'results', `${name}.svg`))).toBe(true);
    });

    const label = `${name}: measured the latest commit that changed the code it measures, or the same build`;
    if (history !== undefined) it.skip(`${label} [skip-reason: ${history}]`, () => {});
    else {
      it(label, async () => {
        const { commit = '', sha256 } = read(name).artefact;
        expect(commit).not.toBe('');
        const known = git('cat-file', '-e', `${commit}^{commit}`).ok;
        expect(known, `commit ${commit} of bench/results/${name}.json is not in this history`).toBe(true);
        const changed = lastChange(name);
        if (git('merge-base', '--is-ancestor', changed, commit).ok) return;
        // lib/ changed since: fresh still if the build is the one measured (a comment or type change).
        const now = await currentBuildHash();
        expect(now, `bench/results/${name}.json measured ${commit}; the code it measures changed after it (${changed.slice(0, 7)}) and builds differently now (${now}, measured ${sha256}): run npm run bench -- ${name}`).toBe(sha256);
      });
    }
  }
});
