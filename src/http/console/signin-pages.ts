// The sign-in and password change pages: plain forms, working without script.
import { escapeHtml as e } from '../html.js';
import { barePage, notice } from './layout.js';

export function signInPage(csrf: string, values: { account?: string; user?: string }, error?: string): string {
  return barePage(
    'Sign in',
    `<div class="signin panel"><h1>Sign in</h1>
<p class="muted">Sign in with your account, user name and console password. The account's root leaves the user name empty or writes root.</p>
${notice('error', error)}
<form method="post" action="/console/signin">
<input type="hidden" name="csrf" value="${e(csrf)}">
<label for="account">Account ID or alias</label>
<input type="text" id="account" name="account" value="${e(values.account ?? '')}" autocomplete="organization" required>
<label for="user">User name</label>
<input type="text" id="user" name="user" value="${e(values.user ?? '')}" autocomplete="username">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></div>`,
  );
}

export function changePasswordPage(csrf: string, forced: boolean, error?: string): string {
  return barePage(
    'Change password',
    `<div class="signin panel"><h1>Change your password</h1>
${forced ? '<p>Your password must be changed before you continue.</p>' : ''}
${notice('error', error)}
<form method="post" action="/console/password">
<input type="hidden" name="csrf" value="${e(csrf)}">
<label for="old">Current password</label>
<input type="password" id="old" name="old" autocomplete="current-password" required>
<label for="new">New password</label>
<input type="password" id="new" name="new" autocomplete="new-password" required>
<label for="confirm">Confirm new password</label>
<input type="password" id="confirm" name="confirm" autocomplete="new-password" required>
<button type="submit">Change password</button>
</form></div>`,
  );
}
