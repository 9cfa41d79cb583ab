// The console's sign-in and its guards over HTTP (app.inject): one answer for every refused
// sign-in (no user enumeration), throttling per user, the session cookie's attributes and the CSP,
// the forced password change, CSRF tokens on every POST (a cross-site POST is refused), a read-only
// user who is not offered deletion and is refused it in the API's words, and console.enabled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { setRootConsolePassword } from '../../app/console-password.js';
import { ConsoleSignIn } from '../../iam/console-sign-in.js';
import { consoleScaffold, cookieOf, csrfOf, FORM, ROOT_PRINCIPAL as ROOT } from '../../testing/console.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const ROOT_PASSWORD = 'Root-console-1!';
let test: TestBerth;
let app: FastifyInstance;
let A: string;

const { signIn, session, profiles } = consoleScaffold(() => test);

before(async () => {
  test = await startBerth({ listen: false, settings: { auth: { mode: 'iam' }, console: { maxFailures: 3 } } });
  app = test.berth.app;
  A = test.berth.accountId;
  await setRootConsolePassword(test.berth as never, A, ROOT_PASSWORD);
});
after(() => test?.close());

describe('the console over HTTP', () => {
  it('signs the root in with a cookie that scripts cannot read, under a strict CSP', async () => {
    const res = await signIn(A, '', ROOT_PASSWORD);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/console/repositories');
    const set = String(res.headers['set-cookie']);
    assert.match(set, /berth-console=[\w-]{40,};/);
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    assert.match(set, /Path=\/console/);
    const { page } = await session('root', ROOT_PASSWORD);
    assert.equal(page.statusCode, 200);
    assert.match(
      String(page.headers['content-security-policy']),
      /default-src 'none'.*script-src 'self'.*frame-ancestors 'none'/,
    );
    // Bad input is the client's fault: a malformed name, an unknown repository.
    for (const url of ['/console/repositories/%E0%A4%A/-/settings', '/console/repositories/no/such/repo']) {
      const bad = await app.inject({
        method: 'GET',
        url,
        headers: { cookie: (await session('root', ROOT_PASSWORD)).cookie },
      });
      assert.ok(bad.statusCode >= 400 && bad.statusCode < 500, `${url}: ${bad.statusCode}`);
    }
    // No session: to the sign-in page.
    const anonymous = await app.inject({ method: 'GET', url: '/console/repositories' });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/console/signin');
  });

  it('answers every refused sign-in alike and throttles a user after repeated failures', async () => {
    const wrongPassword = await signIn(A, 'root', 'Not-the-password-1', '10.0.1.1');
    const noSuchUser = await signIn(A, 'nobody-here', 'Not-the-password-1', '10.0.1.2');
    const noSuchAccount = await signIn('000000000000', 'root', 'Not-the-password-1', '10.0.1.3');
    const message = (body: string) => /role="alert">([^<]*)</.exec(body)?.[1];
    for (const res of [wrongPassword, noSuchUser, noSuchAccount]) {
      assert.equal(res.statusCode, 401);
      assert.equal(message(res.body), 'Your authentication information is incorrect. Please try again.');
    }
    await test.berth.identities.createUser(A, 'mallory-target');
    await test.berth.store.console.createLoginProfile({
      userId: (await test.berth.store.identities.getUserByName(A, 'mallory-target'))!.id,
      accountId: A,
      passwordHash: 'scrypt$32768$8$1$AAAA$AAAA',
      resetRequired: false,
      createdAt: 0,
      changedAt: 0,
      history: [],
    });
    for (let i = 0; i < 3; i++) await signIn(A, 'mallory-target', `guess-${i}`, `10.0.2.${i}`);
    const throttled = await signIn(A, 'mallory-target', 'guess-final', '10.0.2.9');
    assert.equal(throttled.statusCode, 401);
    assert.match(message(throttled.body) ?? '', /Too many failed sign-in attempts/);
    // A name that does not exist is throttled the same way (nothing tells them apart).
    for (let i = 0; i < 3; i++) await signIn(A, 'ghost-user', `guess-${i}`, `10.0.3.${i}`);
    assert.match(
      message((await signIn(A, 'ghost-user', 'x', '10.0.3.9')).body) ?? '',
      /Too many failed sign-in attempts/,
    );
  });

  it('makes a user change the password first when the profile says so', async () => {
    await test.berth.identities.createUser(A, 'newbie');
    await profiles().create({ ...ROOT, accountId: A }, 'newbie', 'First-pass-1!', true);
    const res = await signIn(A, 'newbie', 'First-pass-1!');
    assert.equal(res.headers.location, '/console/password');
    const cookie = `berth-console=${cookieOf(res, 'berth-console')}`;
    assert.equal(
      (await app.inject({ method: 'GET', url: '/console/repositories', headers: { cookie } })).headers.location,
      '/console/password',
    );
    const form = await app.inject({ method: 'GET', url: '/console/password', headers: { cookie } });
    const change = (fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/console/password',
        headers: { ...FORM, cookie },
        payload: new URLSearchParams({ csrf: csrfOf(form.body), ...fields }).toString(),
      });
    const weak = await change({ old: 'First-pass-1!', new: 'weak', confirm: 'weak' });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /Password does not conform/);
    const changed = await change({ old: 'First-pass-1!', new: 'Second-pass-2!', confirm: 'Second-pass-2!' });
    assert.equal(changed.statusCode, 303);
    // Past the change, the pages act as newbie, who has no policy: the API's denial, in its words.
    const list = await app.inject({ method: 'GET', url: '/console/repositories', headers: { cookie } });
    assert.equal(list.statusCode, 403);
    assert.match(list.body, /user\/newbie is not authorized to perform: ecr:DescribeRepositories/);
    assert.equal((await signIn(A, 'newbie', 'First-pass-1!')).statusCode, 401);
    assert.equal((await signIn(A, 'newbie', 'Second-pass-2!')).headers.location, '/console/repositories');
  });

  it('refuses a POST without the session CSRF token, or from another site', async () => {
    const { cookie, csrf } = await session('root', ROOT_PASSWORD);
    const create = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/console/create-repository',
        headers: { ...FORM, cookie, ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
    assert.equal((await create({ name: 'csrf-victim' })).statusCode, 403);
    assert.equal((await create({ name: 'csrf-victim', csrf: 'forged' })).statusCode, 403);
    assert.equal((await create({ name: 'csrf-victim', csrf }, { origin: 'https://evil.example' })).statusCode, 403);
    assert.equal(await test.berth.store.repositories.get(A, 'csrf-victim'), undefined);
    const made = await create(
      { name: 'csrf-ok', csrf, mutability: 'MUTABLE', encryption: 'AES256' },
      { origin: 'http://localhost:80' },
    );
    assert.equal(made.statusCode, 303, made.body);
    // Signing out needs the token too; afterwards the cookie is worthless.
    assert.equal(
      (await app.inject({ method: 'POST', url: '/console/signout', headers: { ...FORM, cookie }, payload: '' }))
        .statusCode,
      403,
    );
    const out = await app.inject({
      method: 'POST',
      url: '/console/signout',
      headers: { ...FORM, cookie },
      payload: `csrf=${encodeURIComponent(csrf)}`,
    });
    assert.equal(out.statusCode, 303);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/console/repositories', headers: { cookie } })).headers.location,
      '/console/signin',
    );
  });

  it('does not offer a read-only user deletion, and refuses it in the API words', async () => {
    const admin = await session('root', ROOT_PASSWORD);
    const created = await app.inject({
      method: 'POST',
      url: '/console/create-repository',
      headers: { ...FORM, cookie: admin.cookie },
      payload: new URLSearchParams({ csrf: admin.csrf, name: 'team/readonly-app' }).toString(),
    });
    assert.equal(created.statusCode, 303, created.body);
    await test.berth.identities.createUser(A, 'reader');
    await test.berth.userPolicies.putUserPolicy(
      A,
      'reader',
      'read',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['ecr:Describe*', 'ecr:List*', 'ecr:BatchGetImage', 'ecr:GetRepositoryPolicy'],
            Resource: '*',
          },
        ],
      }),
    );
    await profiles().create({ ...ROOT, accountId: A }, 'reader', 'Reader-pass-1!', false);
    const reader = await session('reader', 'Reader-pass-1!');
    const images = await app.inject({
      method: 'GET',
      url: '/console/repositories/team/readonly-app',
      headers: { cookie: reader.cookie },
    });
    assert.equal(images.statusCode, 200);
    assert.doesNotMatch(images.body, /Delete selected/);
    assert.match(images.body, /not allowed to delete images/);
    const refused = await app.inject({
      method: 'POST',
      url: '/console/repositories/team/readonly-app/-/delete-images',
      headers: { ...FORM, cookie: reader.cookie },
      payload: new URLSearchParams({
        csrf: reader.csrf,
        confirm: 'yes',
        digest: `sha256:${'a'.repeat(64)}`,
      }).toString(),
    });
    assert.equal(refused.statusCode, 403);
    assert.match(
      refused.body,
      /AccessDeniedException: User: arn:aws:iam::\d{12}:user\/reader is not authorized to perform: ecr:BatchDeleteImage/,
    );
    // Creating a repository is refused the same way, with the form kept.
    const create = await app.inject({
      method: 'POST',
      url: '/console/create-repository',
      headers: { ...FORM, cookie: reader.cookie },
      payload: new URLSearchParams({ csrf: reader.csrf, name: 'not-mine' }).toString(),
    });
    assert.equal(create.statusCode, 403);
    assert.match(create.body, /is not authorized to perform: ecr:CreateRepository/);
    assert.match(create.body, /value="not-mine"/);
  });

  it('ends a session idle longer than the timeout, on every node (the session is in the database)', async () => {
    let clock = 1_000_000;
    const limits = { idleTimeoutMs: 60_000, maxFailures: 5, failureWindowMs: 60_000 };
    const node1 = new ConsoleSignIn(test.berth.store, profiles(), limits, () => clock);
    const node2 = new ConsoleSignIn(test.berth.store, profiles(), limits, () => clock);
    const signedIn = await node1.signIn(A, 'root', ROOT_PASSWORD, '10.0.9.1');
    assert.ok(signedIn.ok);
    clock += 59_000;
    assert.ok(await node2.session(signedIn.token), 'another node serves the session');
    clock += 59_000;
    assert.ok(await node1.session(signedIn.token), 'a request moved the idle clock');
    clock += 61_000;
    assert.equal(await node2.session(signedIn.token), undefined);
    assert.equal(await node1.session(signedIn.token), undefined, 'ended for good');
  });

  it('is not served when console.enabled is false', async () => {
    const off = await startBerth({ listen: false, settings: { console: { enabled: false } } });
    try {
      assert.equal((await off.berth.app.inject({ method: 'GET', url: '/console/signin' })).statusCode, 404);
    } finally {
      await off.close();
    }
  });
});
