// Users and keys (/console/users): the account's IAM users, their access keys and console
// passwords, editable by whoever IAM allows: create and delete a user, create (the secret shown
// once), deactivate, activate and delete an access key, set or remove a console password. Each
// change goes through the IAM services as the API's; the buttons show only where the IAM
// authorizer allows the action, and a forged POST is refused in the API's words.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Action } from '../../domain/actions.js';
import { escapeHtml as e, formatDate } from '../html.js';
import { refusal } from './errors.js';
import { consolePage, csrfField, notice, type Viewer } from './layout.js';
import { type ConsoleOptions, type ConsoleRequest, type Guard, html } from './plugin.js';

export interface UserRow {
  user: { name: string; arn: string; createdAt: number };
  keys: { accessKeyId: string; status: string; createdAt: number }[];
  consolePassword: boolean;
}

export interface UsersAllowed {
  createUser: boolean;
  deleteUser: boolean;
  createKey: boolean;
  updateKey: boolean;
  deleteKey: boolean;
  createPassword: boolean;
  deletePassword: boolean;
}

interface UsersState {
  message?: string;
  error?: string;
  /** A key just created: its secret, shown this once. */
  secret?: { user: string; accessKeyId: string; secretAccessKey: string };
}

const NONE: UsersAllowed = {
  createUser: false,
  deleteUser: false,
  createKey: false,
  updateKey: false,
  deleteKey: false,
  createPassword: false,
  deletePassword: false,
};

/** A one-button form; `label` names what it acts on (its accessible name), `shown` is the short text on it. */
function button(viewer: Viewer, fields: Record<string, string>, label: string, danger = false, shown?: string): string {
  return `<form method="post" action="/console/users" class="inline">${csrfField(viewer)}${Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join(
      '',
    )}<button type="submit" class="${danger ? 'danger' : 'ghost'} small"${shown ? ` aria-label="${e(label)}"` : ''}>${e(shown ?? label)}</button></form>`;
}

export function usersPage(
  viewer: Viewer,
  rows: UserRow[] | undefined,
  allowed: UsersAllowed,
  state: UsersState,
): string {
  const keyHtml = (user: string, k: UserRow['keys'][number]) =>
    `<div><code>${e(k.accessKeyId)}</code> ${e(k.status)} ${
      allowed.updateKey
        ? button(
            viewer,
            { op: 'key-status', user, key: k.accessKeyId, status: k.status === 'Active' ? 'Inactive' : 'Active' },
            k.status === 'Active' ? `Deactivate ${k.accessKeyId}` : `Activate ${k.accessKeyId}`,
            false,
            k.status === 'Active' ? 'Deactivate' : 'Activate',
          )
        : ''
    } ${allowed.deleteKey ? button(viewer, { op: 'delete-key', user, key: k.accessKeyId }, `Delete ${k.accessKeyId}`, true, 'Delete') : ''}</div>`;
  const passwordHtml = (r: UserRow) =>
    r.consolePassword
      ? `Enabled ${allowed.deletePassword ? button(viewer, { op: 'delete-password', user: r.user.name }, `Remove password of ${r.user.name}`, true, 'Remove') : ''}`
      : `Disabled${
          allowed.createPassword
            ? `<form method="post" action="/console/users" class="inline">${csrfField(viewer)}<input type="hidden" name="op" value="set-password"><input type="hidden" name="user" value="${e(r.user.name)}">
<input type="password" name="password" autocomplete="new-password" aria-label="New console password for ${e(r.user.name)}" required>
<label class="inline"><input type="checkbox" name="reset" checked> change at first sign-in</label><button type="submit" class="ghost small" aria-label="Set password of ${e(r.user.name)}">Set password</button></form>`
            : ''
        }`;
  const table = rows
    ? rows.length === 0
      ? '<div class="empty">No IAM users yet.</div>'
      : `<div class="table-scroll"><table id="users"><thead><tr><th scope="col">User name</th><th scope="col">ARN</th><th scope="col">Created</th><th scope="col">Access keys</th><th scope="col">Console password</th>${allowed.deleteUser ? '<th scope="col"><span class="muted">Delete</span></th>' : ''}</tr></thead><tbody>${rows
          .map(
            (r) =>
              `<tr><td>${e(r.user.name)}</td><td><code>${e(r.user.arn)}</code></td><td>${formatDate(r.user.createdAt)}</td>
<td>${r.keys.map((k) => keyHtml(r.user.name, k)).join('') || '—'}${allowed.createKey && r.keys.length < 2 ? button(viewer, { op: 'create-key', user: r.user.name }, `Create access key for ${r.user.name}`, false, 'Create access key') : ''}</td>
<td>${passwordHtml(r)}</td>${allowed.deleteUser ? `<td>${button(viewer, { op: 'delete-user', user: r.user.name }, `Delete ${r.user.name}`, true, 'Delete')}</td>` : ''}</tr>`,
          )
          .join('')}</tbody></table></div>`
    : '';
  const secret = state.secret
    ? `<div class="notice ok" role="status" id="new-key"><p>Access key created for ${e(state.secret.user)}. Copy the secret now: it is not shown again.</p>
<dl class="kv"><dt>Access key ID</dt><dd><code>${e(state.secret.accessKeyId)}</code></dd><dt>Secret access key</dt><dd><code id="new-secret">${e(state.secret.secretAccessKey)}</code></dd></dl></div>`
    : '';
  const create = allowed.createUser
    ? `<h2>Create a user</h2><form method="post" action="/console/users" class="panel">${csrfField(viewer)}<input type="hidden" name="op" value="create-user">
<label for="new-user">User name</label><input type="text" id="new-user" name="user" required maxlength="64">
<div class="toolbar"><button type="submit">Create user</button></div></form>`
    : '<p class="muted" id="no-manage">You are not allowed to create users (iam:CreateUser).</p>';
  const body = `<h1>Users and keys</h1>${notice('ok', state.message)}${notice('error', state.error)}${secret}${table}${create}`;
  return consolePage('Users and keys', 'users', body, viewer);
}

export function registerUsersRoutes(app: FastifyInstance, options: ConsoleOptions, guard: Guard): void {
  const allowedFor = async (c: ConsoleRequest): Promise<UsersAllowed> => {
    const resource = `arn:aws:iam::${c.viewer.accountId}:user/*`;
    const may = (action: string) =>
      options.iamAuthorizer
        .authorize({ principal: c.signedIn.principal, action: action as Action, resource, facts: c.ctx.facts ?? {} })
        .then(
          () => true,
          () => false,
        );
    const [createUser, deleteUser, createKey, updateKey, deleteKey, createPassword, deletePassword] = await Promise.all(
      [
        'iam:CreateUser',
        'iam:DeleteUser',
        'iam:CreateAccessKey',
        'iam:UpdateAccessKey',
        'iam:DeleteAccessKey',
        'iam:CreateLoginProfile',
        'iam:DeleteLoginProfile',
      ].map(may),
    );
    return { createUser, deleteUser, createKey, updateKey, deleteKey, createPassword, deletePassword } as UsersAllowed;
  };
  const show = async (reply: FastifyReply, c: ConsoleRequest, state: UsersState, status = 200) => {
    const caller = c.signedIn.principal;
    let rows: UserRow[] | undefined;
    let error = state.error;
    try {
      const users = await options.users.list(caller);
      rows = [];
      for (const user of users) {
        const keys = await options.users.listAccessKeys(caller, user.name).catch(() => []);
        rows.push({ user, keys, consolePassword: await options.hasConsolePassword(user) });
      }
    } catch (err) {
      const refused = refusal(err);
      error ??= refused.message;
      if (status === 200) status = refused.status;
    }
    const allowed = rows ? await allowedFor(c) : NONE;
    return html(reply, status, usersPage(c.viewer, rows, allowed, { ...state, ...(error && { error }) }));
  };

  app.get(
    '/users',
    guard(async (_request, reply, c) => show(reply, c, {})),
  );
  app.post(
    '/users',
    guard(async (_request, reply, c) => {
      const caller = c.signedIn.principal;
      const user = (c.form.get('user') ?? '').trim();
      const key = c.form.get('key') ?? '';
      try {
        switch (c.form.get('op')) {
          case 'create-user':
            await options.users.create(caller, user);
            return await show(reply, c, { message: `User ${user} created.` });
          case 'delete-user':
            await options.users.delete(caller, user);
            return await show(reply, c, { message: `User ${user} deleted.` });
          case 'create-key': {
            const created = await options.users.createAccessKey(caller, user);
            return await show(reply, c, {
              secret: { user, accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey },
            });
          }
          case 'key-status': {
            const status = c.form.get('status') === 'Active' ? 'Active' : 'Inactive';
            await options.users.updateAccessKey(caller, key, status, user);
            return await show(reply, c, { message: `Access key ${key} is ${status}.` });
          }
          case 'delete-key':
            await options.users.deleteAccessKey(caller, key, user);
            return await show(reply, c, { message: `Access key ${key} deleted.` });
          case 'set-password':
            await options.loginProfiles.create(
              caller,
              user,
              c.form.get('password') ?? '',
              c.form.get('reset') === 'on',
            );
            return await show(reply, c, { message: `Console password set for ${user}.` });
          case 'delete-password':
            await options.loginProfiles.delete(caller, user);
            return await show(reply, c, { message: `Console password of ${user} removed.` });
          default:
            return await show(reply, c, { error: 'Unknown operation.' }, 400);
        }
      } catch (err) {
        const { status, message } = refusal(err);
        return await show(reply, c, { error: message }, status);
      }
    }),
  );
}
