// Policy validation as you type: the one script of the console (/console/static/console.js,
// same-origin, as the CSP allows) posts the editor's text here while the user types, and shows
// the engine's answer beside the editor. Without script the pages work as before: the save
// validates. Same words as the API (SetRepositoryPolicy, PutRegistryPolicy).
import type { FastifyInstance } from 'fastify';
import { parsePolicy, POLICY_LIMITS, PolicyValidationError } from '../../policy/document.js';
import { refusal } from './errors.js';
import type { ConsoleOptions, Guard } from './plugin.js';

/** Watches every textarea with data-validate (its kind) and writes the answer into data-validate-output. */
export const CONSOLE_JS = `'use strict';
(() => {
  for (const area of document.querySelectorAll('textarea[data-validate]')) {
    const csrf = area.form && area.form.querySelector('input[name=csrf]');
    const out = document.getElementById(area.dataset.validateOutput || '');
    if (!csrf || !out) continue;
    let timer;
    let asked = 0;
    area.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        const body = new URLSearchParams({ csrf: csrf.value, kind: area.dataset.validate, policy: area.value });
        try {
          const res = await fetch('/console/validate-policy', { method: 'POST', body, credentials: 'same-origin' });
          const answer = await res.json();
          if (mine !== asked) return;
          out.textContent = answer.message;
          out.className = 'hint ' + (answer.valid ? 'valid' : 'invalid');
          area.setAttribute('aria-invalid', answer.valid ? 'false' : 'true');
        } catch {
          /* unanswered: saving validates */
        }
      }, 300);
    });
  }
})();
`;

export function registerValidateRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  app.get('/static/console.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .header('X-Content-Type-Options', 'nosniff')
      .send(CONSOLE_JS),
  );
  app.post(
    '/validate-policy',
    guard(async (_request, reply, c) => {
      const text = c.form.get('policy') ?? '';
      const kind = c.form.get('kind') === 'registry' ? 'registry' : 'repository';
      const answer = (valid: boolean, message: string) =>
        reply.code(200).header('Cache-Control', 'no-store').type('application/json').send({ valid, message });
      if (!text.trim()) return answer(true, 'Empty: saving deletes nothing; use Delete policy to remove it.');
      try {
        if (kind === 'repository') await options.services.policies.assertRepositoryPolicy(text);
        else parsePolicy(text, { kind: 'resource', maxLength: POLICY_LIMITS.registry });
        return answer(true, 'Valid policy.');
      } catch (err) {
        if (err instanceof PolicyValidationError)
          return answer(
            false,
            `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided': ${err.message}`,
          );
        return answer(false, refusal(err).message);
      }
    }),
  );
}
