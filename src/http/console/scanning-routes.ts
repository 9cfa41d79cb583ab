// Scanning (/console/scanning): the registry's scanning configuration (BASIC scanning; the
// repository filters scanned on push and continuously), through the scan service as ECR's
// Get/PutRegistryScanningConfiguration. An image's scan and findings are on its detail page.
import type { FastifyInstance } from 'fastify';
import type { RegistryScanningConfiguration, ScanFrequency } from '../../domain/records/scanning.js';
import { escapeHtml as e } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type Guard, html } from './plugin.js';

/** The model's repository filter pattern (a wildcard filter of PutRegistryScanningConfiguration). */
const FILTER = /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/;

const filtersOf = (config: RegistryScanningConfiguration | undefined, frequency: ScanFrequency) =>
  (config?.rules ?? [])
    .filter((r) => r.scanFrequency === frequency)
    .flatMap((r) => r.repositoryFilters.map((f) => f.filter))
    .join('\n');

export function scanningPage(
  viewer: Viewer,
  config: RegistryScanningConfiguration | undefined,
  state: { message?: string; error?: string; onPush?: string; continuous?: string },
): string {
  const onPush = state.onPush ?? filtersOf(config, 'SCAN_ON_PUSH');
  const continuous = state.continuous ?? filtersOf(config, 'CONTINUOUS_SCAN');
  const body = `<h1>Scanning</h1>${notice('ok', state.message)}${notice('error', state.error)}
<dl class="kv panel"><dt>Scan type</dt><dd id="scan-type">${e(config?.scanType ?? '—')} (Berth scans images' packages against its advisory database)</dd></dl>
<form method="post" action="/console/scanning" class="panel">${csrfField(viewer)}
<label for="scan-on-push">Scan on push: repository filters, one a line (wildcards, e.g. <code>prod-*</code>)</label>
<textarea id="scan-on-push" name="onPush" spellcheck="false" class="short">${e(onPush)}</textarea>
<label for="scan-continuous">Continuous scanning: repository filters, one a line</label>
<textarea id="scan-continuous" name="continuous" spellcheck="false" class="short">${e(continuous)}</textarea>
<div class="toolbar"><button type="submit">Save scanning configuration</button></div></form>
<p class="muted">A repository's own scan-on-push setting applies too (Settings). An image's findings are on its page.</p>`;
  return consolePage('Scanning', 'scanning', body, viewer);
}

export function registerScanningRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  app.get(
    '/scanning',
    guard(async (_request, reply, c) => {
      try {
        return html(reply, 200, scanningPage(c.viewer, await options.scanning.registryConfiguration(c.ctx), {}));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, scanningPage(c.viewer, undefined, { error: message }));
      }
    }),
  );
  app.post(
    '/scanning',
    guard(async (_request, reply, c) => {
      const onPush = c.form.get('onPush') ?? '';
      const continuous = c.form.get('continuous') ?? '';
      const lines = (text: string) =>
        text
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean);
      const rule = (scanFrequency: ScanFrequency, text: string) => ({
        scanFrequency,
        repositoryFilters: lines(text).map((filter) => ({ filter, filterType: 'WILDCARD' as const })),
      });
      try {
        const bad = [...lines(onPush), ...lines(continuous)].find((f) => f.length > 255 || !FILTER.test(f));
        if (bad !== undefined)
          return html(
            reply,
            400,
            scanningPage(c.viewer, await options.scanning.registryConfiguration(c.ctx), {
              onPush,
              continuous,
              error: `InvalidParameterException: Invalid parameter at 'filter' failed to satisfy constraint: '${bad}' is not a repository filter (lowercase letters, digits, . _ - / and *).`,
            }),
          );
        const rules = [rule('SCAN_ON_PUSH', onPush), rule('CONTINUOUS_SCAN', continuous)].filter(
          (r) => r.repositoryFilters.length > 0,
        );
        const saved = await options.scanning.putRegistryConfiguration(c.ctx, { scanType: 'BASIC', rules });
        return html(reply, 200, scanningPage(c.viewer, saved, { message: 'Scanning configuration saved.' }));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, scanningPage(c.viewer, undefined, { onPush, continuous, error: message }));
      }
    }),
  );
}
