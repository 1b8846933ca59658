// Checks the committed API reference (docs/api, `npm run docs`): regenerates it with typedoc into a temp
// dir, warnings as errors (typedoc.json turns every validation on, notDocumented included), and fails
// if typedoc warned or if any file differs from, is missing from, or is extra in docs/api (stale docs).
//   node .ci/check-docs.mjs        (npm run docs:check)
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const committed = path.join(root, 'docs', 'api');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genstream-docs-'));
const fresh = path.join(tmp, 'api');

/** Every file under `dir`, as paths relative to it with `/` separators, sorted. */
const files = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .sort()
    : [];

let code = 0;
try {
  const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [typedoc, '--out', fresh, '--treatWarningsAsErrors'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`docs: typedoc failed (exit ${r.status ?? r.signal}): fix the warnings above`);
    code = 1;
  } else {
    const want = files(fresh);
    const have = new Set(files(committed));
    const problems = [];
    for (const f of want) {
      if (!have.has(f)) problems.push(`missing: docs/api/${f}`);
      else if (!fs.readFileSync(path.join(fresh, f)).equals(fs.readFileSync(path.join(committed, f)))) problems.push(`differs: docs/api/${f}`);
      have.delete(f);
    }
    for (const f of have) problems.push(`extra:   docs/api/${f}`);
    if (problems.length > 0) {
      for (const p of problems.slice(0, 30)) console.error(p);
      if (problems.length > 30) console.error(`... and ${problems.length - 30} more`);
      console.error(`docs: docs/api is out of date (${problems.length} file(s)): run \`npm run docs\` and commit docs/api`);
      code = 1;
    } else {
      console.log(`docs: docs/api is up to date (${want.length} files), no typedoc warnings`);
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
