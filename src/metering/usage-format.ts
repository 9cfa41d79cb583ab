// The usage report as CSV (one line per row, a header first) and as a text table: what
// `berth usage --format csv|table` prints and GET /admin/usage?format=csv serves.
import type { UsageReport, UsageRow } from './usage-report.js';

const COLUMNS: (keyof UsageRow)[] = [
  'accountId',
  'repository',
  'visibility',
  'day',
  'storedBytes',
  'physicalBytes',
  'sharedBytes',
  'archiveBytes',
  'standardGbMonth',
  'archiveGbMonth',
  'transferOutBytes',
  'mainListenerBytes',
  'publicListenerBytes',
  'publicNetworkBytes',
  'privateEndpointBytes',
  'anonymousBytes',
  'authenticatedBytes',
  'privateRepositoryBytes',
  'publicRepositoryBytes',
  'requests',
  'estimatedCostUsd',
];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(6);
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function usageCsv(report: UsageReport): string {
  const columns = COLUMNS.filter((c) => (report.by === 'day' ? c !== 'repository' && c !== 'visibility' : c !== 'day'));
  return [columns.join(','), ...report.rows.map((row) => columns.map((c) => cell(row[c])).join(','))]
    .map((line) => `${line}\n`)
    .join('');
}

/** A size in the largest binary unit under which it is at least 1. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function usageTable(report: UsageReport): string {
  const head = [
    'ACCOUNT',
    report.by === 'day' ? 'DAY' : 'REPOSITORY',
    'STORED',
    'PHYSICAL',
    'SHARED',
    'ARCHIVE',
    'GB-MONTH',
    'TRANSFER OUT',
    'ANONYMOUS',
    'REQUESTS',
    'COST (USD)',
  ];
  const line = (row: UsageRow, label: string) => [
    row.accountId,
    label,
    humanBytes(row.storedBytes),
    humanBytes(row.physicalBytes),
    humanBytes(row.sharedBytes),
    humanBytes(row.archiveBytes),
    (row.standardGbMonth + row.archiveGbMonth).toFixed(4),
    humanBytes(row.transferOutBytes),
    humanBytes(row.anonymousBytes),
    String(row.requests),
    row.estimatedCostUsd.toFixed(2),
  ];
  const rows = report.rows.map((row) =>
    line(row, report.by === 'day' ? row.day! : `${row.visibility === 'public' ? 'public/' : ''}${row.repository}`),
  );
  for (const total of report.accounts)
    rows.push(line({ ...total, repository: null, visibility: null, day: null }, '(account total)'));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
