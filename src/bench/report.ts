// The benchmark's result: one row per metric with Berth, the reference, their ratio and the
// issue's target, rendered as a text table and as JSON.

export type Target =
  | { kind: 'ratio'; min: number } // Berth / reference ≥ min
  | { kind: 'max'; value: number } // Berth ≤ value (absolute, in the row's unit)
  | { kind: 'maxRatio'; max: number } // Berth / reference ≤ max (lower is better)
  | { kind: 'none' };

export interface Row {
  key: string;
  metric: string;
  unit: string;
  /** Median of the samples, when measured. */
  berth?: number;
  reference?: number;
  berthSamples: number[];
  referenceSamples: number[];
  target: Target;
}

export interface Judged extends Row {
  ratio?: number;
  targetText: string;
  /** undefined when the target cannot be judged (no target, or a missing measurement). */
  met?: boolean;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A row from two lists of samples, with their medians. */
export function sampleRow(
  key: string,
  metric: string,
  unit: string,
  berthSamples: number[],
  referenceSamples: number[],
  target: Target,
): Row {
  const berth = median(berthSamples);
  const reference = median(referenceSamples);
  return {
    key,
    metric,
    unit,
    berthSamples,
    referenceSamples,
    target,
    ...(berth !== undefined && { berth }),
    ...(reference !== undefined && { reference }),
  };
}

export function judge(row: Row): Judged {
  const ratio =
    row.berth !== undefined && row.reference !== undefined && row.reference > 0 ? row.berth / row.reference : undefined;
  const target = row.target;
  if (target.kind === 'ratio') {
    return {
      ...row,
      ...(ratio !== undefined && { ratio }),
      targetText: `≥ ${target.min}×`,
      ...(ratio !== undefined && { met: ratio >= target.min }),
    };
  }
  if (target.kind === 'maxRatio') {
    return {
      ...row,
      ...(ratio !== undefined && { ratio }),
      targetText: `≤ ${target.max}×`,
      ...(ratio !== undefined && { met: ratio <= target.max }),
    };
  }
  if (target.kind === 'max') {
    return {
      ...row,
      ...(ratio !== undefined && { ratio }),
      targetText: `≤ ${target.value} ${row.unit}`,
      ...(row.berth !== undefined && { met: row.berth <= target.value }),
    };
  }
  return { ...row, ...(ratio !== undefined && { ratio }), targetText: '—' };
}

function format(value: number | undefined, unit: string): string {
  if (value === undefined) return 'n/a';
  const digits = unit === 'req/s' || unit === 'CPU µs/req' ? 0 : unit.startsWith('CPU') ? 2 : 1;
  return `${value.toFixed(digits)} ${unit}`;
}

export function renderTable(rows: Judged[], columns: [string, string] = ['Berth', 'reference']): string {
  const header = ['metric', columns[0], columns[1], `ratio (${columns[0]}/${columns[1]})`, 'target', 'met'];
  const body = rows.map((r) => [
    r.metric,
    format(r.berth, r.unit),
    format(r.reference, r.unit),
    r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(2)}×`,
    r.targetText,
    r.met === undefined ? (r.target.kind === 'none' ? '' : 'n/a') : r.met ? 'MET' : 'NOT MET',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
