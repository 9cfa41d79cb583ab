// What the registry run prints and writes: the tables (the main one, the extra phases', the CPU
// costs, against the baseline), the list of missed targets, and .bench/results.json (also a
// dated copy) with its chart, .bench/results.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { renderBaselineTable } from './baseline.js';
import { renderChart, rowsOf } from './chart.js';
import type { ExtraPhase } from './extra-phases.js';
import { PHASES } from './phases.js';
import { renderTable } from './report.js';
import type { RegistryRows } from './rows.js';
import { enabled, log, only, outDir, settings } from './settings.js';
import { MiB } from './http.js';

export interface RunOutcome extends RegistryRows {
  extras: ExtraPhase[];
  /** What the phases recorded beside their samples (RSS details). */
  extra: Record<string, unknown>;
  reference: string | undefined;
  baseline: string | undefined;
  loadGenerator: string;
  profileDir: string | undefined;
}

/** Extra phases printed before the CPU cost table; the others after it. */
const BEFORE_COSTS = new Set<ExtraPhase['key']>(['metering', 'https', 'observability']);

export function report(outcome: RunOutcome): void {
  const { rows, costs, baselineRows, extras, baseline } = outcome;
  const out = (text: string) => process.stdout.write(text);
  const table = renderTable(rows);
  const costTable = renderTable(costs);
  out(`\n${table}\n\n`);
  for (const phase of extras) if (BEFORE_COSTS.has(phase.key)) out(`${phase.heading}\n${phase.table}\n\n`);
  out(
    `server CPU time per unit of work (user + system, all threads; lower is better, less sensitive to other load):\n${costTable}\n\n`,
  );
  for (const phase of extras) if (!BEFORE_COSTS.has(phase.key)) out(`${phase.heading}\n${phase.table}\n\n`);
  if (enabled('postgres') && !extras.some((phase) => phase.key === 'scaleOut'))
    out(
      'scale-out not measured: set BENCH_POSTGRES_URL (or BERTH_TEST_POSTGRES_URL) to a role that may create databases\n',
    );
  const baselineTable = baseline ? renderBaselineTable(baselineRows) : undefined;
  if (baselineTable)
    out(
      `Berth vs baseline (${baseline}; no figure worse by more than 5%: rates ≥ 0.95×, RSS ≤ 1.05×):\n${baselineTable}\n\n`,
    );
  const missed = [...rows, ...extras.flatMap((phase) => phase.rows), ...baselineRows]
    .filter((r) => r.met === false)
    .map((r) => r.metric);
  out(missed.length === 0 ? 'all measured targets met\n' : `targets not met: ${missed.join('; ')}\n`);
  if (!outcome.reference) out('reference not installed (apt-get install -y docker-registry): ratios not measured\n');
  if (settings.rssBytes !== 2048 * MiB || settings.blobBytes !== 512 * MiB)
    out("note: BENCH_QUICK sizes, not the issue's 512 MiB / 2 GiB\n");

  mkdirSync(outDir, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    settings,
    phases: only ? [...only] : [...PHASES],
    reference: outcome.reference ?? null,
    loadGenerator: outcome.loadGenerator,
    results: rows,
    cpuCost: costs,
    ...outcome.extra,
    ...Object.fromEntries(extras.map((phase) => [phase.key, phase.rows])),
    ...(baseline && { baseline: { cli: baseline, rows: baselineRows } }),
    table,
    costTable,
    ...(baselineTable && { baselineTable }),
    ...(outcome.profileDir && { profileDir: outcome.profileDir }),
  };
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(outDir, 'results.json'), json);
  writeFileSync(join(outDir, `results-${results.date.replace(/[:.]/g, '-')}.json`), json);
  const title = `npm run bench${settings.quick ? ' (BENCH_QUICK sizes)' : ''}, ${settings.repeat} sample(s) a figure, ${results.date.slice(0, 16)}`;
  writeFileSync(join(outDir, 'results.svg'), renderChart(rowsOf(results), title));
  log(
    `results written to ${join(outDir, 'results.json')}, chart to ${join(outDir, 'results.svg')}${outcome.profileDir ? `; CPU profile(s) in ${outcome.profileDir}` : ''}`,
  );
}
