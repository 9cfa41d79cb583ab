// The Registry policy and Account settings routes (requesting a public registry alias).
import type { FastifyInstance } from 'fastify';
import { accountPage, registryPolicyPage } from './account-pages.js';
import { refusal } from './errors.js';
import { type ConsoleOptions, type Guard, html } from './plugin.js';

export function registerAccountRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  app.get(
    '/registry',
    guard(async (_request, reply, { viewer, ctx }) => {
      try {
        const text = await options.services.policies.getRegistryPolicy(ctx).then(
          (p) => JSON.stringify(JSON.parse(p.policyText), null, 2),
          (err: unknown) => {
            if ((err as { code?: string }).code === 'REGISTRY_POLICY_NOT_FOUND') return '';
            throw err;
          },
        );
        return html(reply, 200, registryPolicyPage(viewer, text, {}));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, registryPolicyPage(viewer, '', { error: message }));
      }
    }),
  );
  app.post(
    '/registry',
    guard(async (_request, reply, { viewer, ctx, form }) => {
      const text = form.get('policy') ?? '';
      try {
        if (form.get('op') === 'delete') {
          await options.services.policies.deleteRegistryPolicy(ctx);
          return html(reply, 200, registryPolicyPage(viewer, '', { message: 'Policy deleted.' }));
        }
        await options.services.policies.putRegistryPolicy(ctx, text);
        return html(reply, 200, registryPolicyPage(viewer, text, { message: 'Policy saved.' }));
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, registryPolicyPage(viewer, text, { error: message }));
      }
    }),
  );
  app.get(
    '/account',
    guard(async (_request, reply, { viewer }) =>
      html(reply, 200, accountPage(viewer, await options.aliasesOf(viewer.accountId), {})),
    ),
  );
  // Any identity of the account may ask for an alias, as with RequestRegistryAlias; the deployment's administrator approves it.
  app.post(
    '/account',
    guard(async (_request, reply, { viewer, form }) => {
      const name = (form.get('alias') ?? '').trim();
      try {
        const alias = await options.requestAlias(viewer.accountId, name);
        return html(
          reply,
          200,
          accountPage(viewer, await options.aliasesOf(viewer.accountId), {
            message: `Alias ${alias.name} requested: ${alias.status}.`,
          }),
        );
      } catch (err) {
        const { status, message } = refusal(err);
        return html(
          reply,
          status,
          accountPage(viewer, await options.aliasesOf(viewer.accountId), { error: message, alias: name }),
        );
      }
    }),
  );
}
