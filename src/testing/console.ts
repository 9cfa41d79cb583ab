// The console's sign-in and sessions as its tests drive them over app.inject: a sign-in through
// the form (its cookie and CSRF token), a signed-in session's cookie header and token, and login
// profiles made directly (the IAM API's path has its own test, login-profiles.once.test.ts).
import assert from 'node:assert/strict';
import { IamUserService } from '../iam/iam-users.js';
import { LoginProfileService } from '../iam/login-profiles.js';
import type { TestBerth } from './server.js';

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
export const cookieOf = (res: { headers: Record<string, unknown> }, name: string) =>
  new RegExp(`${name}=([^;]*)`).exec(String(res.headers['set-cookie']))?.[1];
export const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** The principal a test makes login profiles as. */
export const ROOT_PRINCIPAL = { kind: 'root', accountId: '', arn: '', userId: '', accessKeyId: '' } as const;

/** Sign-in, sessions and login profiles against the Berth `test()` returns (set in a `before`). */
export function consoleScaffold(test: () => TestBerth) {
  const allow = async () => {};
  const app = () => test().berth.app;

  async function signIn(account: string, user: string, password: string, ip = '10.0.0.1') {
    const form = await app().inject({ method: 'GET', url: '/console/signin' });
    return app().inject({
      method: 'POST',
      url: '/console/signin',
      remoteAddress: ip,
      headers: { ...FORM, cookie: `berth-console-signin=${cookieOf(form, 'berth-console-signin')}` },
      payload: new URLSearchParams({ csrf: csrfOf(form.body), account, user, password }).toString(),
    });
  }

  const profiles = () =>
    new LoginProfileService(
      test().berth.store,
      new IamUserService(test().berth.store, test().berth.identities, allow),
      allow,
    );

  /** A signed-in session in the Berth's own account: its cookie header and CSRF token. */
  async function session(user: string, password: string) {
    const res = await signIn(test().berth.accountId, user, password);
    assert.equal(res.statusCode, 303, res.body);
    const cookie = `berth-console=${cookieOf(res, 'berth-console')}`;
    const page = await app().inject({ method: 'GET', url: '/console/repositories', headers: { cookie } });
    return { cookie, csrf: csrfOf(page.body), page };
  }

  return { signIn, session, profiles };
}
