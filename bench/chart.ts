/**
 * Draws a benchmark result (the JSON the runner writes) as a horizontal bar chart in plain SVG:
 * one bar per case at its median items/s, a thin line from its slowest to its fastest pass, the
 * ratio to the reference case, and dashed markers for derived items/s figures (e.g. a ceiling).
 */
import { fmtRatio, fmtValue, type BenchResult } from './harness.js';

const W = 880;
const LABEL_W = 330;
const BAR_W = 400;
const ROW_H = 30;
const TOP = 64;

export function renderChart(r: BenchResult): string {
  const cases = r.cases;
  const throughput = (r.metric ?? 'throughput') === 'throughput';
  const unit = throughput ? (r.clock === 'wall' ? 'items/s' : 'items per CPU-second') : `${r.unit} (lower is better)`;
  const fmtRate = (v: number): string => fmtValue(r.metric, v);
  const markers = r.derived.filter((d) => d.unit === (throughput ? 'items/s' : 'value'));
  const maxValue = Math.max(1, ...cases.map((c) => c.max ?? 0), ...markers.map((m) => m.value));
  const step = niceStep(maxValue / 5);
  const scaleMax = Math.ceil((maxValue * 1.02) / step) * step;
  const x = (v: number): number => Math.round((LABEL_W + (v / scaleMax) * BAR_W) * 10) / 10;
  const plotBottom = TOP + cases.length * ROW_H;
  const H = plotBottom + 56 + markers.length * 16;
  const refLabel = cases.find((c) => c.key === r.reference)?.label ?? r.reference;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(r.title)}</text>`,
    `<text x="12" y="42" fill="#555">${esc(
      `${r.cases.some((c) => c.n !== undefined && c.n !== r.n) ? 'sizes as labelled' : `n = ${r.n.toLocaleString('en-US')} items`}, median of ${r.rounds} rounds × ${r.passes} passes, each case in its own process, ` +
        `${throughput ? (r.clock === 'wall' ? 'wall clock' : 'main-thread CPU clock') : r.unit} · ` +
        `node ${r.machine.node}, ${r.machine.cpus} CPUs · ${r.date.slice(0, 10)}`,
    )}</text>`,
  );
  for (let v = 0; v <= scaleMax + step / 2; v += step) {
    out.push(
      `<line x1="${x(v)}" y1="${TOP - 6}" x2="${x(v)}" y2="${plotBottom}" stroke="#e5e5e5"/>`,
      `<text x="${x(v)}" y="${plotBottom + 14}" text-anchor="middle" fill="#777">${esc(fmtRate(v))}</text>`,
    );
  }
  out.push(
    `<text x="${LABEL_W + BAR_W / 2}" y="${plotBottom + 28}" text-anchor="middle" fill="#777">${unit}</text>`,
    `<text x="12" y="${plotBottom + 46}" fill="#555">${esc(`bar: median · whiskers: slowest to fastest pass · ×: ratio to ${refLabel}`)}</text>`,
  );
  cases.forEach((c, i) => {
    const y = TOP + i * ROW_H;
    const mid = y + ROW_H / 2;
    out.push(`<text x="${LABEL_W - 8}" y="${mid + 4}" text-anchor="end">${esc(c.label)}</text>`);
    if (c.median === undefined) {
      const note = c.skipped !== undefined ? `skipped: ${c.skipped}` : 'failed';
      out.push(`<text x="${LABEL_W + 4}" y="${mid + 4}" fill="#999" font-style="italic">${esc(note)}</text>`);
      return;
    }
    const fill = c.key === r.reference ? '#888' : c.key === r.subject ? '#2a7ab9' : '#9cc3e4';
    out.push(
      `<rect x="${LABEL_W}" y="${y + 6}" width="${x(c.median) - LABEL_W}" height="${ROW_H - 12}" fill="${fill}"/>`,
      `<line x1="${x(c.min as number)}" y1="${mid}" x2="${x(c.max as number)}" y2="${mid}" stroke="#333"/>`,
      `<line x1="${x(c.min as number)}" y1="${mid - 4}" x2="${x(c.min as number)}" y2="${mid + 4}" stroke="#333"/>`,
      `<line x1="${x(c.max as number)}" y1="${mid - 4}" x2="${x(c.max as number)}" y2="${mid + 4}" stroke="#333"/>`,
    );
    const ratio = c.vsReference === undefined || c.key === r.reference ? '' : `  ${fmtRatio(c.vsReference)}`;
    out.push(`<text x="${Math.max(x(c.median), x(c.max as number)) + 6}" y="${mid + 4}">${esc(fmtRate(c.median) + ratio)}</text>`);
  });
  markers.forEach((m, i) => {
    out.push(
      `<line x1="${x(m.value)}" y1="${TOP - 6}" x2="${x(m.value)}" y2="${plotBottom}" stroke="#c0392b" stroke-dasharray="5,4"/>`,
      `<text x="12" y="${plotBottom + 62 + i * 16}" fill="#c0392b">${esc(`- - ${m.label}: ${fmtRate(m.value)} ${unit}`)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
