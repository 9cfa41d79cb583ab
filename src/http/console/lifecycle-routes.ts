// Lifecycle rules (/console/lifecycle?repository=<name>): a repository's lifecycle policy (save,
// delete) and its preview: start one with the text in the editor and see what each rule would
// expire or archive, and what guards keep. Through the lifecycle service, as the ECR API.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LifecyclePreview } from '../../registry/lifecycle.js';
import { escapeHtml as e, formatDate } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type ConsoleRequest, type Guard, html } from './plugin.js';
import { repoPath } from './repository-pages.js';

interface LifecycleState {
  text: string;
  preview?: LifecyclePreview;
  message?: string;
  error?: string;
}

const EXAMPLE = JSON.stringify(
  {
    rules: [
      {
        rulePriority: 1,
        description: 'Expire untagged images after 14 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
    ],
  },
  null,
  2,
);

function previewHtml(preview: LifecyclePreview | undefined): string {
  if (!preview) return '<p class="muted">No preview yet.</p>';
  const rows = preview.actions
    .map(
      (a) =>
        `<tr><td>${a.rulePriority}</td><td>${e(a.action)}</td><td>${a.tags.map((t) => `<span class="chip">${e(t)}</span>`).join(' ') || '<span class="muted">untagged</span>'}</td><td><code>${e(a.digest.slice(0, 19))}…</code></td><td>${formatDate(a.pushedAt)}</td><td>${e(a.storageClass)}</td></tr>`,
    )
    .join('');
  const kept = preview.kept.length
    ? `<h3>Kept</h3><ul>${preview.kept.map((k) => `<li><code>${e(k.digest.slice(0, 19))}…</code> (rule ${k.rulePriority}): ${e(k.reason)}</li>`).join('')}</ul>`
    : '';
  return `<p id="preview-status">Preview ${e(preview.status)}: ${preview.actions.length} image(s) affected.</p>
${rows ? `<div class="table-scroll"><table id="preview-results"><thead><tr><th scope="col">Rule</th><th scope="col">Action</th><th scope="col">Tags</th><th scope="col">Digest</th><th scope="col">Pushed at</th><th scope="col">Storage class</th></tr></thead><tbody>${rows}</tbody></table></div>` : ''}${kept}`;
}

export function lifecyclePage(viewer: Viewer, name: string, state: LifecycleState): string {
  const picker = `<form method="get" action="/console/lifecycle" role="search" class="toolbar">
<input type="text" name="repository" value="${e(name)}" aria-label="Repository name" placeholder="Repository name"><button type="submit">Open</button></form>`;
  if (!name)
    return consolePage(
      'Lifecycle rules',
      'lifecycle',
      `<h1>Lifecycle rules</h1>${notice('error', state.error)}<p>Lifecycle policies expire or archive a repository's images by rule. Choose a repository.</p>${picker}`,
      viewer,
    );
  const body = `<h1>Lifecycle rules</h1>${picker}
<h2>Policy of ${e(name)}</h2><p><a class="button ghost" href="${repoPath(name)}">Open the repository</a></p>${notice('ok', state.message)}${notice('error', state.error)}
<form method="post" action="/console/lifecycle">${csrfField(viewer)}<input type="hidden" name="repository" value="${e(name)}">
<label for="lifecycle-policy">Lifecycle policy JSON</label>
<textarea id="lifecycle-policy" name="policy" spellcheck="false">${e(state.text || EXAMPLE)}</textarea>
<div class="toolbar"><button type="submit" name="op" value="save">Save policy</button>
<button type="submit" name="op" value="preview" class="ghost">Preview</button>
<button type="submit" name="op" value="delete" class="danger">Delete policy</button></div></form>
<h2>Preview</h2>${previewHtml(state.preview)}`;
  return consolePage(`${name} lifecycle`, 'lifecycle', body, viewer);
}

export function registerLifecycleRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  const lifecycle = options.services.lifecycle;
  const missing = (err: unknown) => {
    const type = (err as { type?: string }).type;
    if (type === 'LifecyclePolicyNotFoundException' || type === 'LifecyclePolicyPreviewNotFoundException')
      return undefined;
    throw err;
  };
  const show = async (
    reply: FastifyReply,
    c: ConsoleRequest,
    name: string,
    state: Partial<LifecycleState>,
    status = 200,
  ) => {
    const text = state.text ?? (await lifecycle.getPolicy(c.ctx, name).catch(missing))?.lifecyclePolicyText ?? '';
    const preview = await lifecycle.getPreview(c.ctx, name).catch(missing);
    return html(reply, status, lifecyclePage(c.viewer, name, { ...state, text, ...(preview && { preview }) }));
  };

  app.get(
    '/lifecycle',
    guard(async (request, reply, c) => {
      const name = ((request.query as { repository?: string }).repository ?? '').trim();
      if (!name) return html(reply, 200, lifecyclePage(c.viewer, '', { text: '' }));
      try {
        return await show(reply, c, name, {});
      } catch (err) {
        const { status, message } = refusal(err);
        return html(reply, status, lifecyclePage(c.viewer, '', { text: '', error: message }));
      }
    }),
  );
  app.post(
    '/lifecycle',
    guard(async (_request, reply, c) => {
      const name = (c.form.get('repository') ?? '').trim();
      const text = c.form.get('policy') ?? '';
      const op = c.form.get('op');
      try {
        if (op === 'delete') {
          await lifecycle.deletePolicy(c.ctx, name);
          return await show(reply, c, name, { text: '', message: 'Lifecycle policy deleted.' });
        }
        if (op === 'preview') {
          const started = await lifecycle.startPreview(c.ctx, name, text);
          return await show(reply, c, name, { text, message: `Preview ${started.status.toLowerCase()}.` });
        }
        await lifecycle.putPolicy(c.ctx, name, text);
        return await show(reply, c, name, { text, message: 'Lifecycle policy saved.' });
      } catch (err) {
        const { status, message } = refusal(err);
        return await show(reply, c, name, { text, error: message }, status).catch(() =>
          html(reply, status, lifecyclePage(c.viewer, '', { text: '', error: message })),
        );
      }
    }),
  );
}
