// A repository's Permissions tab: the policy editor (templates, save, delete) and "can this
// principal do this action?" answered by the engine.
import type { FastifyReply } from 'fastify';
import { CHECKABLE_ACTIONS, checkAccess } from './access-check.js';
import { refusal } from './errors.js';
import { type ConsoleRequest, html } from './plugin.js';
import { type AccessQuestion, permissionsPage, POLICY_TEMPLATES } from './repository-pages.js';
import type { RepositorySubpages } from './subpage.js';

type PolicyState = { message?: string; error?: string; status?: number; text?: string; question?: AccessQuestion };

export const permissionsRoutes: RepositorySubpages = (options) => {
  const saved = (c: ConsoleRequest, name: string) =>
    options.services.policies.getRepositoryPolicy(c.ctx, name).then(
      (p) => p.policyText,
      (err: unknown) => {
        if ((err as { code?: string }).code === 'REPOSITORY_POLICY_NOT_FOUND') return '';
        throw err;
      },
    );
  const policyPage = async (reply: FastifyReply, c: ConsoleRequest, name: string, state: PolicyState) => {
    let text = state.text;
    if (text === undefined) {
      const stored = await saved(c, name);
      text = stored ? JSON.stringify(JSON.parse(stored), null, 2) : '';
    }
    return html(reply, state.status ?? 200, permissionsPage(c.viewer, name, text, state));
  };

  return {
    permissions: {
      async get({ reply, c, name, query }) {
        if (query.principal === undefined) return await policyPage(reply, c, name, {});
        const action = CHECKABLE_ACTIONS.find((a) => a === query.action) ?? CHECKABLE_ACTIONS[0];
        // The repository must be there and its policy readable by the viewer, as the page shows it.
        await saved(c, name);
        const answer = await checkAccess(options, c.viewer.accountId, name, query.principal, action);
        return await policyPage(reply, c, name, { question: { principal: query.principal, action, answer } });
      },
      async post({ reply, c, name }) {
        const text = c.form.get('policy') ?? '';
        const template = c.form.get('template');
        try {
          if (template && Object.hasOwn(POLICY_TEMPLATES, template)) {
            let document: { Version?: string; Statement?: unknown[] } = { Version: '2012-10-17', Statement: [] };
            try {
              if (text.trim()) document = JSON.parse(text) as typeof document;
            } catch {
              return await policyPage(reply, c, name, {
                text,
                status: 400,
                error: 'The policy is not valid JSON; fix it before adding a template.',
              });
            }
            const statements = Array.isArray(document.Statement)
              ? document.Statement
              : document.Statement
                ? [document.Statement]
                : [];
            document.Statement = [...statements, POLICY_TEMPLATES[template]!.statement(c.viewer.accountId)];
            return await policyPage(reply, c, name, {
              text: JSON.stringify(document, null, 2),
              message: 'Template added: review it and save.',
            });
          }
          if (c.form.get('op') === 'delete') {
            await options.services.policies.deleteRepositoryPolicy(c.ctx, name);
            return await policyPage(reply, c, name, { text: '', message: 'Policy deleted.' });
          }
          await options.services.policies.setRepositoryPolicy(c.ctx, name, text, false);
          return await policyPage(reply, c, name, { message: 'Policy saved.' });
        } catch (err) {
          const { status, message } = refusal(err);
          return await policyPage(reply, c, name, { text, status, error: message });
        }
      },
    },
  };
};
