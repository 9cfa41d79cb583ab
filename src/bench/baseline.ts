// The before/after comparison of a restructuring (issue 19: no figure worse by more than 5%, in
// the same run): BENCH_BASELINE_BERTH=<dist/cli/main.js of a baseline build> starts that build
// beside this one with the same settings (encrypted, the same storage and database kind, this
// build's Node flags) and measures it in every phase exactly like this Berth. Its rows compare
// this Berth with the baseline, figure by figure: throughputs and request rates ≥ 0.95× of the
// baseline's, peak RSS ≤ 1.05× (lower is better); CPU costs are shown for information.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { judge, type Judged, renderTable, sampleRow, type Target } from './report.js';

export const BASELINE = 'baseline';
export const TOLERANCE = 0.05;
export const BASELINE_COLUMNS: [string, string] = ['Berth', 'baseline'];

/** The baseline build's CLI, from BENCH_BASELINE_BERTH; throws when it names no file. */
export function baselineCli(): string | undefined {
  const value = process.env.BENCH_BASELINE_BERTH;
  if (!value) return undefined;
  const cli = resolve(value);
  if (!existsSync(cli)) throw new Error(`BENCH_BASELINE_BERTH: no such file ${cli} (build the baseline first)`);
  return cli;
}

/** Higher is better: at least 0.95× the baseline; lower is better (RSS): at most 1.05×. */
export function againstBaseline(lowerIsBetter = false): Target {
  return lowerIsBetter ? { kind: 'maxRatio', max: 1 + TOLERANCE } : { kind: 'ratio', min: 1 - TOLERANCE };
}

/** One figure of this Berth against the baseline's, judged (target 'none' for information). */
export function baselineRow(
  key: string,
  metric: string,
  unit: string,
  berth: number[],
  baseline: number[],
  target: Target,
): Judged {
  return judge(sampleRow(key, metric, unit, berth, baseline, target));
}

export function renderBaselineTable(rows: Judged[]): string {
  return renderTable(rows, BASELINE_COLUMNS);
}
