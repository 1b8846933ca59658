/**
 * Prints the committed results (bench/results/*.json) as Markdown: per benchmark, its chart, the
 * cases with their medians and ratios, and the targets met or missed. The README's benchmark section
 * is this output.
 *
 *   npx tsx bench/summary.ts [--dir DIR] [name ...]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRatio, fmtValue, type BenchResult } from './harness.js';

const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const resultsDir = dirAt === -1 ? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results') : path.resolve(args.splice(dirAt, 2)[1]);

function section(r: BenchResult): string {
  const throughput = (r.metric ?? 'throughput') === 'throughput';
  const unit = throughput ? (r.clock === 'cpu' ? 'items/CPU-s' : 'items/s') : r.unit;
  const nodes = r.otherNodes ?? [];
  const series = r.cases.some((c) => c.n !== r.cases[0].n);
  // Several references (a spec's referenceFor): each row is against its own group's, the 1.00× rows.
  const references = r.cases.filter((c) => c.vsReference === 1).length;
  const refLabel = series
    ? 'vs the reference at its size'
    : references > 1
      ? 'vs its group\'s reference (the 1.00× rows)'
      : `vs ${r.cases.find((c) => c.key === r.reference)?.label ?? r.reference}`;
  const head = ['case', unit, refLabel, ...nodes.map((o) => `same, Node ${o.node.split('.')[0].slice(1)}`)];
  const rows = r.cases.map((c) => {
    const v = c.median === undefined ? (c.skipped ?? c.failed ?? '') : fmtValue(r.metric, c.median);
    const others = nodes.map((o) => {
      const x = o.cases.find((y) => y.key === c.key)?.vsReference;
      return x === undefined ? '' : fmtRatio(x);
    });
    return [c.key === r.subject ? `**${c.label}**` : c.label, v, c.vsReference === undefined ? '' : fmtRatio(c.vsReference), ...others];
  });
  const md = [
    `**${r.title}** — \`bench/${r.name}.bench.ts\`, ${r.rounds} rounds × ${r.passes} passes, Node ${r.machine.node}, commit ${String(r.artefact.commit ?? '?')}`,
    '',
    `![${r.name}](bench/results/${r.name}.svg)`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  if (r.derived.length > 0) {
    md.push('');
    for (const d of r.derived) {
      const show = (v: number): string => (d.unit === 'items/s' ? fmtValue('throughput', v) : d.unit === 'value' ? `${fmtValue(r.metric, v)} ${r.unit}` : fmtRatio(v));
      const goal = d.target !== undefined ? ` (target ≥ ${show(d.target)}: ${d.met ? 'met' : '**not met**'})` : d.atMost !== undefined ? ` (target ≤ ${show(d.atMost)}: ${d.met ? 'met' : '**not met**'})` : '';
      md.push(`- ${d.label}: ${show(d.value)}${goal}`);
    }
  }
  return md.join('\n');
}

const wanted = args;
const files = fs
  .readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.tmp.json'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.json$/, '')))
  .sort();
console.log(files.map((f) => section(JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8')) as BenchResult)).join('\n\n'));
