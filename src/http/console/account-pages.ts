// The Registry policy and Account settings pages.
import { escapeHtml as e } from '../html.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';

export function registryPolicyPage(viewer: Viewer, text: string, state: { message?: string; error?: string }): string {
  const body = `<h1>Registry policy</h1>
<p>The private registry's policy: what other accounts may do in every repository of this registry (replication, pull-through cache).</p>
${notice('ok', state.message)}${notice('error', state.error)}
<form method="post" action="/console/registry">${csrfField(viewer)}
<label for="policy">Policy JSON</label><textarea id="policy" name="policy" spellcheck="false" aria-describedby="policy-live" data-validate="registry" data-validate-output="policy-live">${e(text)}</textarea>
<p class="hint" id="policy-live" aria-live="polite"></p>
<div class="toolbar"><button type="submit" name="op" value="save">Save policy</button>
<button type="submit" name="op" value="delete" class="danger">Delete policy</button></div></form>`;
  return consolePage('Registry policy', 'registry', body, viewer);
}

export function accountPage(
  viewer: Viewer,
  aliases: string[],
  state: { message?: string; error?: string; alias?: string },
): string {
  const body = `<h1>Account settings</h1>${notice('ok', state.message)}${notice('error', state.error)}
<dl class="kv panel"><dt>Account ID</dt><dd>${e(viewer.accountId)}</dd><dt>Signed in as</dt><dd>${e(viewer.name)}</dd>
<dt>Public registry aliases</dt><dd>${aliases.length ? aliases.map(e).join(', ') : '—'}</dd></dl>
<h2>Request a public registry alias</h2>
<form method="post" action="/console/account" class="panel">${csrfField(viewer)}
<label for="alias">Alias</label><input type="text" id="alias" name="alias" value="${e(state.alias ?? '')}" required maxlength="50" aria-describedby="alias-hint">
<p class="hint" id="alias-hint">Public repositories are pulled as <code>&lt;host&gt;/&lt;alias&gt;/&lt;name&gt;</code>; the deployment's administrator approves a requested alias.</p>
<div class="toolbar"><button type="submit">Request alias</button></div></form>
<p><a class="button ghost" href="/console/password">Change your password</a></p>`;
  return consolePage('Account settings', 'account', body, viewer);
}
