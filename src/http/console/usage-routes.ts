// Usage (/console/usage): the metering report of the signed-in account (from/to, by repository
// or by day): storage in GB-months, transfer out, requests and the estimated cost, with the
// account's totals. Allowed to whoever may ecr:DescribeRegistry, as /admin/usage.
import type { FastifyInstance } from 'fastify';
import { Actions } from '../../domain/actions.js';
import type { UsageFigures, UsageReport } from '../../metering/usage-report.js';
import { monthStart, parseUsageTime } from '../../metering/usage.js';
import { escapeHtml as e, formatSize } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type Guard, html } from './plugin.js';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const figures = (f: UsageFigures) =>
  `<td>${formatSize(f.storedBytes)}</td><td>${f.standardGbMonth.toFixed(4)}</td><td>${f.archiveGbMonth.toFixed(4)}</td><td>${formatSize(f.transferOutBytes)}</td><td>${f.requests}</td><td>$${f.estimatedCostUsd.toFixed(4)}</td>`;
const HEAD =
  '<th scope="col">Stored</th><th scope="col">Standard GB-months</th><th scope="col">Archive GB-months</th><th scope="col">Transfer out</th><th scope="col">Requests</th><th scope="col">Estimated cost</th>';

export function usagePage(
  viewer: Viewer,
  form: { from: string; to: string; by: 'repository' | 'day' },
  report: UsageReport | undefined,
  error?: string,
): string {
  const rows = (report?.rows ?? [])
    .map(
      (r) =>
        `<tr><th scope="row">${r.day ? e(r.day) : `${e(r.repository ?? '')} <span class="muted">(${e(r.visibility ?? '')})</span>`}</th>${figures(r)}</tr>`,
    )
    .join('');
  const totals = report?.accounts.find((a) => a.accountId === viewer.accountId);
  const table = report
    ? rows
      ? `<div class="table-scroll"><table id="usage"><thead><tr><th scope="col">${form.by === 'day' ? 'Day' : 'Repository'}</th>${HEAD}</tr></thead><tbody>${rows}</tbody>${totals ? `<tfoot><tr><th scope="row">Account total</th>${figures(totals)}</tr></tfoot>` : ''}</table></div>`
      : '<div class="empty">No usage recorded in this period.</div>'
    : '';
  const option = (v: string, label: string) =>
    `<option value="${v}"${form.by === v ? ' selected' : ''}>${label}</option>`;
  const body = `<h1>Usage</h1>${notice('error', error)}
<form method="get" action="/console/usage" class="toolbar">
<label for="usage-from">From</label><input type="date" id="usage-from" name="from" value="${e(form.from)}">
<label for="usage-to">To</label><input type="date" id="usage-to" name="to" value="${e(form.to)}">
<label for="usage-by">By</label><select id="usage-by" name="by">${option('repository', 'Repository')}${option('day', 'Day')}</select>
<button type="submit">Show</button></form>${table}`;
  return consolePage('Usage', 'usage', body, viewer);
}

export function registerUsageRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  app.get(
    '/usage',
    guard(async (request, reply, c) => {
      const query = request.query as Record<string, string | undefined>;
      const now = Date.now();
      const from = query.from ? parseUsageTime(query.from) : monthStart(now);
      // A date's "to" is the end of that day.
      const to = query.to
        ? (parseUsageTime(query.to) ?? Number.NaN) + (/^\d{4}-\d\d-\d\d$/.test(query.to) ? 86_400_000 : 0)
        : now;
      const by = query.by === 'day' ? 'day' : 'repository';
      const form = { from: from === undefined ? (query.from ?? '') : day(from), to: query.to ?? day(now), by } as const;
      if (from === undefined || !Number.isFinite(to) || to <= from)
        return html(
          reply,
          400,
          usagePage(c.viewer, form, undefined, 'InvalidParameterException: from and to must be dates, from before to.'),
        );
      try {
        await options.access.authorizeRegistry(c.ctx, Actions.DescribeRegistry);
        const report = await options.usage.report({ accountId: c.viewer.accountId, from, to, by }, now);
        return html(reply, 200, usagePage(c.viewer, form, report));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, usagePage(c.viewer, form, undefined, message));
      }
    }),
  );
}
