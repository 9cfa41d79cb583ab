// Pull-through cache rules (/console/pull-through): the registry's rules, creating one (prefix,
// upstream registry and URL, the upstream prefix, a Secrets Manager credential) and deleting one.
// Through the rule service, as ECR's CreatePullThroughCacheRule and DeletePullThroughCacheRule.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type PullThroughRule, UPSTREAM_REGISTRIES, type UpstreamRegistry } from '../../domain/records/pull-through.js';
import { escapeHtml as e, formatDate } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type ConsoleRequest, type Guard, html } from './plugin.js';

/** The model's repository prefix pattern (CreatePullThroughCacheRule). */
const PREFIX = /^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/;

export interface RuleValues {
  prefix?: string;
  url?: string;
  upstream?: string;
  upstreamPrefix?: string;
  credentialArn?: string;
}

export function pullThroughPage(
  viewer: Viewer,
  rules: PullThroughRule[] | undefined,
  values: RuleValues,
  state: { message?: string; error?: string },
): string {
  const rows = (rules ?? [])
    .map(
      (
        r,
      ) => `<tr><td><code>${e(r.prefix)}</code></td><td>${e(r.upstreamRegistryUrl)}</td><td>${e(r.upstreamRegistry ?? '—')}</td>
<td><code>${e(r.upstreamRepositoryPrefix)}</code></td><td>${r.credentialArn ? `<code>${e(r.credentialArn)}</code>` : '—'}</td><td>${formatDate(r.createdAt)}</td>
<td><form method="post" action="/console/pull-through">${csrfField(viewer)}<input type="hidden" name="op" value="delete"><input type="hidden" name="prefix" value="${e(r.prefix)}">
<button type="submit" class="danger" aria-label="Delete rule ${e(r.prefix)}">Delete</button></form></td></tr>`,
    )
    .join('');
  const table =
    rules === undefined
      ? ''
      : rules.length === 0
        ? '<div class="empty">No pull-through cache rules.</div>'
        : `<div class="table-scroll"><table id="rules"><thead><tr><th scope="col">Repository prefix</th><th scope="col">Upstream URL</th><th scope="col">Upstream registry</th><th scope="col">Upstream prefix</th><th scope="col">Credential</th><th scope="col">Created at</th><th scope="col"><span class="muted">Delete</span></th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const upstreams = UPSTREAM_REGISTRIES.map(
    (u) => `<option${values.upstream === u ? ' selected' : ''}>${u}</option>`,
  ).join('');
  const body = `<h1>Pull-through cache rules</h1>${notice('ok', state.message)}${notice('error', state.error)}${table}
<h2>Create a rule</h2><form method="post" action="/console/pull-through" class="panel">${csrfField(viewer)}<input type="hidden" name="op" value="create">
<label for="ptc-prefix">Repository prefix</label><input type="text" id="ptc-prefix" name="prefix" value="${e(values.prefix ?? '')}" placeholder="docker-hub" required>
<label for="ptc-upstream">Upstream registry</label><select id="ptc-upstream" name="upstream">${upstreams}</select>
<label for="ptc-url">Upstream registry URL</label><input type="text" id="ptc-url" name="url" value="${e(values.url ?? '')}" placeholder="registry-1.docker.io" required>
<label for="ptc-upstream-prefix">Upstream repository prefix (optional)</label><input type="text" id="ptc-upstream-prefix" name="upstreamPrefix" value="${e(values.upstreamPrefix ?? '')}">
<label for="ptc-credential">Credential (Secrets Manager ARN, optional)</label><input type="text" id="ptc-credential" name="credentialArn" value="${e(values.credentialArn ?? '')}" placeholder="arn:aws:secretsmanager:…:secret:ecr-pullthroughcache/…">
<div class="toolbar"><button type="submit">Create rule</button></div></form>`;
  return consolePage('Pull-through cache rules', 'pull-through', body, viewer);
}

export function registerPullThroughRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  const rules = options.pullThroughRules;
  const show = async (
    reply: FastifyReply,
    c: ConsoleRequest,
    values: RuleValues,
    state: { message?: string; error?: string },
    status = 200,
  ) => {
    const listed = await rules.describePage(c.ctx, { limit: 100 }).then(
      (page) => page.rules,
      (err: unknown) => {
        if (state.error) return undefined;
        throw err;
      },
    );
    return html(reply, status, pullThroughPage(c.viewer, listed, values, state));
  };

  app.get(
    '/pull-through',
    guard(async (_request, reply, c) => {
      try {
        return await show(reply, c, {}, {});
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, pullThroughPage(c.viewer, undefined, {}, { error: message }));
      }
    }),
  );
  app.post(
    '/pull-through',
    guard(async (_request, reply, c) => {
      const field = (name: string) => (c.form.get(name) ?? '').trim();
      const values: RuleValues = {
        prefix: field('prefix'),
        url: field('url'),
        upstream: field('upstream'),
        upstreamPrefix: field('upstreamPrefix'),
        credentialArn: field('credentialArn'),
      };
      try {
        if (field('op') === 'delete') {
          await rules.delete(c.ctx, values.prefix!);
          return await show(reply, c, {}, { message: `Rule ${values.prefix} deleted.` });
        }
        const bad = [values.prefix!, ...(values.upstreamPrefix ? [values.upstreamPrefix] : [])].find(
          (p) => p.length < 2 || p.length > 30 || !PREFIX.test(p),
        );
        if (bad !== undefined)
          throw Object.assign(
            new Error(
              `Invalid parameter at 'ecrRepositoryPrefix' failed to satisfy constraint: '${bad}' is not a prefix (2 to 30 lowercase letters, digits, . _ - and /, or ROOT)`,
            ),
            { type: 'InvalidParameterException' },
          );
        const upstream = UPSTREAM_REGISTRIES.find((u) => u === values.upstream) as UpstreamRegistry | undefined;
        await rules.create(c.ctx, {
          ecrRepositoryPrefix: values.prefix!,
          upstreamRegistryUrl: values.url!,
          ...(upstream && { upstreamRegistry: upstream }),
          ...(values.upstreamPrefix && { upstreamRepositoryPrefix: values.upstreamPrefix }),
          ...(values.credentialArn && { credentialArn: values.credentialArn }),
        });
        return await show(reply, c, {}, { message: `Rule ${values.prefix} created.` });
      } catch (err) {
        const { status, message } = refusal(err);
        return await show(reply, c, values, { error: message }, status);
      }
    }),
  );
}
