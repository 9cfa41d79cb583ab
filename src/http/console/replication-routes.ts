// Replication (/console/replication): the registry's replication configuration, its rules
// (destinations and repository prefix filters), adding and removing a rule, through the
// replication service as ECR's PutReplicationConfiguration. An image's replication status is on
// its detail page.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Actions } from '../../domain/actions.js';
import type { ReplicationRule } from '../../domain/records/replication.js';
import { escapeHtml as e } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type ConsoleRequest, type Guard, html } from './plugin.js';

export interface ReplicationValues {
  region?: string;
  registryId?: string;
  filters?: string;
}

export function replicationPage(
  viewer: Viewer,
  region: string,
  rules: ReplicationRule[] | undefined,
  values: ReplicationValues,
  state: { message?: string; error?: string },
): string {
  const rows = (rules ?? [])
    .map(
      (
        r,
        i,
      ) => `<tr><td>${i + 1}</td><td>${r.destinations.map((d) => `<code>${e(d.region)}/${e(d.registryId)}</code>`).join(', ')}</td>
<td>${r.repositoryFilters?.length ? r.repositoryFilters.map((f) => `<code>${e(f.filter)}</code>`).join(', ') : '<span class="muted">every repository</span>'}</td>
<td><form method="post" action="/console/replication">${csrfField(viewer)}<input type="hidden" name="op" value="remove"><input type="hidden" name="rule" value="${i}">
<button type="submit" class="danger" aria-label="Remove rule ${i + 1}">Remove</button></form></td></tr>`,
    )
    .join('');
  const table =
    rules === undefined
      ? ''
      : rules.length === 0
        ? '<div class="empty">No replication rules: pushes stay in this registry.</div>'
        : `<div class="table-scroll"><table id="replication-rules"><thead><tr><th scope="col">Rule</th><th scope="col">Destinations</th><th scope="col">Repository prefixes</th><th scope="col"><span class="muted">Remove</span></th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const body = `<h1>Replication</h1>${notice('ok', state.message)}${notice('error', state.error)}
<p>Images pushed to repositories that a rule's prefixes match are copied to its destinations (this deployment's region is <code>${e(region)}</code>).</p>${table}
<h2>Add a rule</h2><form method="post" action="/console/replication" class="panel">${csrfField(viewer)}<input type="hidden" name="op" value="add">
<label for="rep-region">Destination region</label><input type="text" id="rep-region" name="region" value="${e(values.region ?? region)}" required>
<label for="rep-registry">Destination registry (account id)</label><input type="text" id="rep-registry" name="registryId" value="${e(values.registryId ?? '')}" inputmode="numeric" required>
<label for="rep-filters">Repository prefixes, one a line (none: every repository)</label>
<textarea id="rep-filters" name="filters" class="short" spellcheck="false">${e(values.filters ?? '')}</textarea>
<div class="toolbar"><button type="submit">Add rule</button></div></form>`;
  return consolePage('Replication', 'replication', body, viewer);
}

const invalid = (message: string) => Object.assign(new Error(message), { type: 'InvalidParameterException' });

export function registerReplicationRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  const replication = options.services.replication;
  /** The rules, to whoever may describe the registry (DescribeRegistry shows them). */
  const rulesOf = async (c: ConsoleRequest) => {
    await options.access.authorizeRegistry(c.ctx, Actions.DescribeRegistry);
    return replication.rules(c.ctx);
  };
  const show = async (
    reply: FastifyReply,
    c: ConsoleRequest,
    values: ReplicationValues,
    state: { message?: string; error?: string },
    status = 200,
  ) => {
    const rules = await rulesOf(c).catch((err: unknown) => {
      if (state.error) return undefined;
      throw err;
    });
    return html(reply, status, replicationPage(c.viewer, options.region, rules, values, state));
  };

  app.get(
    '/replication',
    guard(async (_request, reply, c) => {
      try {
        return await show(reply, c, {}, {});
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, replicationPage(c.viewer, options.region, undefined, {}, { error: message }));
      }
    }),
  );
  app.post(
    '/replication',
    guard(async (_request, reply, c) => {
      const values: ReplicationValues = {
        region: (c.form.get('region') ?? '').trim(),
        registryId: (c.form.get('registryId') ?? '').trim(),
        filters: c.form.get('filters') ?? '',
      };
      try {
        const rules = await rulesOf(c);
        if (c.form.get('op') === 'remove') {
          const index = Number(c.form.get('rule'));
          if (!Number.isInteger(index) || index < 0 || index >= rules.length)
            throw invalid('There is no such replication rule; reload the page.');
          await replication.putConfiguration(
            c.ctx,
            rules.filter((_r, i) => i !== index),
          );
          return await show(reply, c, {}, { message: `Rule ${index + 1} removed.` });
        }
        if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(values.region!))
          throw invalid(`Invalid parameter at 'region': '${values.region}' is not a region name`);
        if (!/^\d{12}$/.test(values.registryId!))
          throw invalid(`Invalid parameter at 'registryId': '${values.registryId}' is not a 12-digit account id`);
        const filters = values
          .filters!.split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean);
        const bad = filters.find((f) => f.length < 2 || f.length > 256 || !/^[a-z0-9][a-z0-9._/-]*$/.test(f));
        if (bad !== undefined) throw invalid(`Invalid parameter at 'filter': '${bad}' is not a repository name prefix`);
        const rule: ReplicationRule = {
          destinations: [{ region: values.region!, registryId: values.registryId! }],
          ...(filters.length > 0 && {
            repositoryFilters: filters.map((filter) => ({ filter, filterType: 'PREFIX_MATCH' as const })),
          }),
        };
        await replication.putConfiguration(c.ctx, [...rules, rule]);
        return await show(reply, c, {}, { message: 'Replication rule added.' });
      } catch (err) {
        const { status, message } = refusal(err);
        return await show(reply, c, values, { error: message }, status);
      }
    }),
  );
}
