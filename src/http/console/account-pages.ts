// The Registry, Users and keys, and Account settings pages.
import type { UserInfo } from '../../iam/iam-users.js';
import { escapeHtml as e, formatDate } from '../html.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';

export function registryPolicyPage(viewer: Viewer, text: string, state: { message?: string; error?: string }): string {
  const body = `<h1>Registry policy</h1>
<p>The private registry's policy: what other accounts may do in every repository of this registry (replication, pull-through cache).</p>
${notice('ok', state.message)}${notice('error', state.error)}
<form method="post" action="/console/registry">${csrfField(viewer)}
<label for="policy">Policy JSON</label><textarea id="policy" name="policy" spellcheck="false">${e(text)}</textarea>
<div class="toolbar"><button type="submit" name="op" value="save">Save policy</button>
<button type="submit" name="op" value="delete" class="danger">Delete policy</button></div></form>`;
  return consolePage('Registry policy', 'registry', body, viewer);
}

export interface UserRow {
  user: UserInfo;
  keys: { accessKeyId: string; status: string; createdAt: number }[];
  consolePassword: boolean;
}

export function usersPage(viewer: Viewer, rows: UserRow[] | undefined, error?: string): string {
  const table = rows
    ? rows.length === 0
      ? '<div class="empty">No IAM users. Create them with aws iam create-user.</div>'
      : `<div class="table-scroll"><table><thead><tr><th scope="col">User name</th><th scope="col">ARN</th><th scope="col">Created</th><th scope="col">Access keys</th><th scope="col">Console password</th></tr></thead><tbody>${rows
          .map(
            (r) =>
              `<tr><td>${e(r.user.name)}</td><td><code>${e(r.user.arn)}</code></td><td>${formatDate(r.user.createdAt)}</td>
<td>${r.keys.map((k) => `<code>${e(k.accessKeyId)}</code> ${e(k.status)}`).join('<br>') || '—'}</td><td>${r.consolePassword ? 'Enabled' : 'Disabled'}</td></tr>`,
          )
          .join('')}</tbody></table></div>`
    : '';
  const body = `<h1>Users and keys</h1>${notice('error', error)}${table}
<p class="muted">Users, their access keys and console passwords are managed with the IAM API (aws iam create-user, create-access-key, create-login-profile).</p>`;
  return consolePage('Users and keys', 'users', body, viewer);
}

export function accountPage(viewer: Viewer, aliases: string[]): string {
  const body = `<h1>Account settings</h1>
<dl class="kv panel"><dt>Account ID</dt><dd>${e(viewer.accountId)}</dd><dt>Signed in as</dt><dd>${e(viewer.name)}</dd>
<dt>Public registry aliases</dt><dd>${aliases.length ? aliases.map(e).join(', ') : '—'}</dd></dl>
<p><a class="button ghost" href="/console/password">Change your password</a></p>`;
  return consolePage('Account settings', 'account', body, viewer);
}
