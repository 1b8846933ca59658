// Checks the JSON a benchmark smoke run wrote (`npm run bench -- --smoke --out DIR`): one valid result
// per bench/*.bench.ts, every case measured or skipped with a reason, none failed. Timings are not judged.
//   node .ci/check-bench.mjs DIR
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node .ci/check-bench.mjs DIR');
  process.exit(2);
}
const names = fs.readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const problems = [];
let cases = 0;
for (const name of names) {
  const file = path.join(dir, `${name}.json`);
  let r;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${name}: no valid ${file} (${err.message})`);
    continue;
  }
  if (r.name !== name || !Array.isArray(r.cases) || r.cases.length === 0) problems.push(`${name}: the JSON names no cases`);
  for (const c of r.cases ?? []) {
    cases++;
    if (c.failed !== undefined) problems.push(`${name}/${c.key}: failed: ${String(c.failed).split('\n')[0]}`);
    else if (c.skipped !== undefined) console.log(`${name}/${c.key}: skipped: ${c.skipped}`);
    else if (typeof c.median !== 'number' || !Number.isFinite(c.median) || typeof c.checksum !== 'number') {
      problems.push(`${name}/${c.key}: no median or checksum`);
    }
  }
}
for (const p of problems) console.log(`!! ${p}`);
console.log(`bench smoke: ${names.length} benchmarks, ${cases} cases, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
