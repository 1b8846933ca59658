/**
 * The committed benchmark results (bench/results/<name>.json) come from a full run of the current
 * library: every benchmark has them, no case failed, at least 5 rounds, a clean lib/ at a commit, and
 * that commit is at or after the last commit that changed the code it measures (so a change there
 * needs a new run).
 *
 * "Changed" means changed the code: results also stay fresh when the commits since the measured one
 * changed only comments and types in what it measures. Each changed file is compared as JavaScript with
 * its comments and types removed (TypeScript's transpileModule, blank lines dropped), before and after,
 * if it can be in the build (see inBuild). Only committed lib/ counts: the build settings
 * (tsup.config.ts, tsconfig.build.json) are not compared. (Comparing whole builds cannot tell a comment
 * from code: tsup names shared chunks by a hash of their source maps, which a comment changes, and a
 * build elsewhere than dist/ has other source paths.)
 *
 * The code a benchmark measures is lib/, except the folders of the subpath capabilities
 * (lib/workers/ for genstream/workers, lib/redis/ for genstream/redis): the core never imports them, so
 * only the benchmarks named after a capability measure its folder (bench/workers.bench.ts and
 * bench/workers-*.bench.ts measure lib/workers/ and the core it is built on).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

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
/** The pathspec of what benchmark `name` (`workers`, `workers-startup`, `chain`...) measures (see the header). */
const scopeOf = (name: string): string[] => {
  const others = CAPABILITIES.filter((c) => name !== c && !name.startsWith(`${c}-`));
  return ['lib', ...others.map((c) => `:(exclude)lib/${c}`)];
};
/** The last commit that changed what benchmark `name` measures. */
const lastChange = (name: string): string => git('log', '-1', '--format=%H', '--', ...scopeOf(name)).out;
const lastLibChange = git('log', '-1', '--format=%H', '--', 'lib').out;
const shallow = git('rev-parse', '--is-shallow-repository').out === 'true';
const history =
  lastLibChange === '' ? 'not a git checkout with history (no commit changed lib/)' : shallow ? 'a shallow clone: the measured commits may be missing' : undefined;

interface Result {
  rounds: number;
  artefact: { commit?: string; libDirty?: boolean; lib?: string; sha256?: string };
  cases: { key: string; failed?: string; median?: number; skipped?: string }[];
}

/** A lib file's JavaScript without comments and types, whitespace collapsed ('' for no file or a types-only one). */
function codeOf(text: string | null): string {
  if (text === null) return '';
  const { outputText } = ts.transpileModule(text, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: true },
  });
  // Blank lines and trailing spaces dropped (where comments stood); string contents kept as they are.
  return outputText
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && line !== 'export {};')
    .join('\n');
}
const shown = new Map<string, string | null>();
const show = (commit: string, file: string): string | null => {
  const key = `${commit}:${file}`;
  if (!shown.has(key)) {
    const r = spawnSync('git', ['show', key], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    shown.set(key, r.status === 0 ? r.stdout : null);
  }
  return shown.get(key)!;
};
const ENTRIES = ['lib/index.ts', ...CAPABILITIES.map((c) => `lib/${c}/index.ts`)];
/**
 * Whether `file` can be in the build at `commit`: an entry point, a lib file that is not TypeScript, or a
 * module another lib module imports (any import form TypeScript sees: static, side-effect, dynamic,
 * re-export); not a script such as lib/chain/types.gen.ts.
 */
function inBuild(commit: string, file: string): boolean {
  if (ENTRIES.includes(file) || !file.endsWith('.ts')) return true;
  const target = file.replace(/\.ts$/, '');
  const modules = git('ls-tree', '-r', '--name-only', commit, '--', 'lib').out.split('\n').filter((f) => f.endsWith('.ts') && f !== file);
  return modules.some((m) =>
    ts
      .preProcessFile(show(commit, m) ?? '', true, true)
      .importedFiles.some(({ fileName }) => fileName.startsWith('.') && path.posix.join(path.posix.dirname(m), fileName).replace(/\.js$/, '') === target),
  );
}
/** The files in `scope` whose code (not only comments or types) differs between `commit` and HEAD, in the build at either. */
function codeChanges(commit: string, scope: string[]): string[] {
  const files = git('diff', '--name-only', commit, 'HEAD', '--', ...scope).out.split('\n').filter((f) => f !== '');
  return files.filter((f) => (inBuild(commit, f) || inBuild('HEAD', f)) && (!f.endsWith('.ts') || codeOf(show(commit, f)) !== codeOf(show('HEAD', f))));
}

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
      it(label, () => {
        const { commit = '' } = read(name).artefact;
        expect(commit).not.toBe('');
        const known = git('cat-file', '-e', `${commit}^{commit}`).ok;
        expect(known, `commit ${commit} of bench/results/${name}.json is not in this history`).toBe(true);
        const changed = lastChange(name);
        if (git('merge-base', '--is-ancestor', changed, commit).ok) return;
        // lib/ changed since: fresh still if only comments and types changed.
        const files = codeChanges(commit, scopeOf(name));
        expect(files, `bench/results/${name}.json measured ${commit}; the code it measures changed after it (last in ${changed.slice(0, 7)}): run npm run bench -- ${name}`).toEqual([]);
      });
    }
  }
});
