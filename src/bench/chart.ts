// The bench's chart: one horizontal bar per judged figure (its ratio against the reference, or for
// an absolute limit its value over the limit), a line at the figure's target, the bar green when
// the target is met and red when not. Hand-written SVG, no dependency.
//
// `node dist/bench/chart.js [.bench/results.json] [docs/bench.svg]` draws it again from a results
// file (every list of rows in it: results, https, scaleOut, s3, baseline.rows, and any other).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Judged } from './report.js';

interface Bar {
  label: string;
  value: number;
  target: number;
  /** Lower is better (the target is a maximum). */
  lower: boolean;
  met: boolean | undefined;
  text: string;
}

function bar(row: Judged): Bar | undefined {
  const t = row.target;
  if (t.kind === 'ratio' && row.ratio !== undefined)
    return {
      label: row.metric,
      value: row.ratio,
      target: t.min,
      lower: false,
      met: row.met,
      text: `${row.ratio.toFixed(2)}× (target ≥ ${t.min}×)`,
    };
  if (t.kind === 'maxRatio' && row.ratio !== undefined)
    return {
      label: row.metric,
      value: row.ratio,
      target: t.max,
      lower: true,
      met: row.met,
      text: `${row.ratio.toFixed(2)}× (target ≤ ${t.max}×)`,
    };
  if (t.kind === 'max' && row.berth !== undefined)
    return {
      label: row.metric,
      value: row.berth / t.value,
      target: 1,
      lower: true,
      met: row.met,
      text: `${row.berth.toFixed(1)} ${row.unit} (target ≤ ${t.value} ${row.unit})`,
    };
  return undefined;
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The SVG of the judged rows that have a target and a measurement. */
export function renderChart(rows: Judged[], title: string): string {
  const bars = rows.map(bar).filter((b): b is Bar => b !== undefined);
  const labelWidth = 430;
  const plotWidth = 360;
  const textWidth = 230;
  const rowHeight = 26;
  const top = 48;
  const width = labelWidth + plotWidth + textWidth;
  const height = top + Math.max(1, bars.length) * rowHeight + 36;
  const scaleMax = Math.max(1, ...bars.map((b) => Math.max(b.value, b.target))) * 1.1;
  const x = (v: number) => labelWidth + (Math.min(v, scaleMax) / scaleMax) * plotWidth;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${xml(title)}</text>`,
    `<text x="10" y="38" fill="#555">bar: Berth / reference (median of the samples), or value / limit; black line: the target; green met, red not met</text>`,
  ];
  // The 1× line, for orientation.
  out.push(
    `<line x1="${x(1).toFixed(1)}" y1="${top - 4}" x2="${x(1).toFixed(1)}" y2="${top + bars.length * rowHeight}" stroke="#bbb" stroke-dasharray="3,3"/>`,
  );
  bars.forEach((b, i) => {
    const y = top + i * rowHeight;
    const colour = b.met === undefined ? '#999' : b.met ? '#2e9d44' : '#d0342c';
    out.push(`<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${xml(b.label)}</text>`);
    out.push(
      `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(1, x(b.value) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${colour}"/>`,
    );
    out.push(
      `<line x1="${x(b.target).toFixed(1)}" y1="${y + 1}" x2="${x(b.target).toFixed(1)}" y2="${y + rowHeight - 1}" stroke="#000" stroke-width="2"/>`,
    );
    out.push(`<text x="${labelWidth + plotWidth + 8}" y="${y + 16}">${xml(b.text)}</text>`);
  });
  const axisY = top + bars.length * rowHeight + 14;
  for (const tick of [0, 1, scaleMax / 1.1 / 2, scaleMax / 1.1].filter((v, i, all) => all.indexOf(v) === i))
    out.push(
      `<text x="${x(tick).toFixed(1)}" y="${axisY}" text-anchor="middle" fill="#555">${tick.toFixed(tick < 10 ? 1 : 0)}×</text>`,
    );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A judged row, as results files hold them. */
function isJudged(value: unknown): value is Judged {
  const row = value as Partial<Judged> | null;
  return (
    typeof row === 'object' && row !== null && typeof row.metric === 'string' && typeof row.targetText === 'string'
  );
}

/**
 * Every judged row a results file holds: each top-level list of rows (results, https, scaleOut,
 * s3, and any phase added later that puts its rows in the results under a name of its own), and
 * the baseline's rows.
 */
export function rowsOf(results: Record<string, unknown>): Judged[] {
  const lists = [...Object.values(results), (results.baseline as { rows?: unknown } | undefined)?.rows];
  return lists.flatMap((list) => (Array.isArray(list) ? list.filter(isJudged) : []));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const input = process.argv[2] ?? '.bench/results.json';
  const output = process.argv[3] ?? 'docs/bench.svg';
  const results = JSON.parse(readFileSync(input, 'utf8')) as Record<string, unknown>;
  writeFileSync(output, renderChart(rowsOf(results), `npm run bench, ${String(results.date ?? '')}`));
  process.stderr.write(`chart written to ${output}\n`);
}
