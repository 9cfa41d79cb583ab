// Access control on /v2 through the HTTP surface, with auth.mode iam: who may log in, every
// route refusing anonymous and bad credentials, one account's registry closed to another's
// identities, and keys that stop working when deactivated or deleted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import type { NewAccessKey } from '../../iam/identities.js';
import { TokenService } from '../../iam/tokens.js';
import { basicAuth, loggedIn, registryPassword } from '../../testing/api-client.js';
import { assertError, manifestBytes, pushImage, startUpload, type Response } from '../../testing/registry-client.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const ACCOUNT_B = '222222222222';
const DOMAIN = 'registry.test';
const B_ALIAS = 'team-b.example.test';

let test: TestBerth;
let app: FastifyInstance;
let accountA: string;
let keyB: NewAccessKey;
let passwordA: string;
let passwordB: string;
/** A's `app:latest`, pushed by A on the default host. */
let imageA: Awaited<ReturnType<typeof pushImage>>;
/** An upload A started in `app`. */
let uploadA: string;

before(async () => {
  test = await startBerth({
    listen: false,
    settings: { auth: { mode: 'iam' }, accounts: { domain: DOMAIN, hosts: { [B_ALIAS]: ACCOUNT_B } } },
  });
  app = test.berth.app;
  accountA = test.berth.accountId;
  await test.berth.identities.createAccount(ACCOUNT_B);
  keyB = await test.berth.identities.createAccessKeyFor(ACCOUNT_B);
  passwordA = await registryPassword(app);
  passwordB = await registryPassword(app, keyB);
  imageA = await pushImage(loggedIn(app, passwordA), 'app', 'latest');
  uploadA = await startUpload(loggedIn(app, passwordA), 'app');
});
after(() => test.close());

function assertUnauthorized(res: Response, what: string, method = 'GET'): void {
  assert.equal(res.statusCode, 401, `${what}: ${res.statusCode} ${res.body}`);
  assert.equal(res.headers['www-authenticate'], 'Basic realm="Berth"', what);
  // A HEAD answer has no body to hold the envelope.
  if (method !== 'HEAD') assertError(res, 401, 'UNAUTHORIZED');
}

describe('logging in to /v2', () => {
  it('GET and HEAD /v2/ without credentials: 401 with a Basic challenge and the error envelope', async () => {
    const res = await app.inject({ url: '/v2/' });
    assertUnauthorized(res, 'GET /v2/');
    assert.match((res.json() as { errors: { message: string }[] }).errors[0]!.message, /GetAuthorizationToken/);
    assertUnauthorized(await app.inject({ method: 'HEAD', url: '/v2/' }), 'HEAD /v2/', 'HEAD');
    assertUnauthorized(await app.inject({ url: '/v2' }), 'GET /v2');
  });

  it('GET /v2/ with a password from GetAuthorizationToken: 200, for each account', async () => {
    for (const [password, host] of [
      [passwordA, undefined],
      [passwordB, `${ACCOUNT_B}.${DOMAIN}`],
      [passwordB, B_ALIAS],
    ] as const) {
      const res = await app.inject({
        url: '/v2/',
        headers: { authorization: basicAuth(password), ...(host && { host }) },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
    }
  });
});

describe('every /v2 route refuses anonymous and bad credentials with 401', () => {
  const digest = () => imageA.layers[0]!.digest;
  const routes = (): {
    method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
    url: string;
    payload?: Buffer;
    headers?: Record<string, string>;
  }[] => [
    { method: 'GET', url: '/v2/' },
    { method: 'GET', url: '/v2/_catalog' },
    { method: 'GET', url: '/v2/app/tags/list' },
    { method: 'GET', url: '/v2/app/manifests/latest' },
    { method: 'HEAD', url: `/v2/app/manifests/${imageA.digest}` },
    {
      method: 'PUT',
      url: '/v2/app/manifests/other',
      payload: imageA.bytes,
      headers: { 'content-type': MediaTypes.ociManifest },
    },
    { method: 'DELETE', url: `/v2/app/manifests/${imageA.digest}` },
    { method: 'POST', url: '/v2/app/blobs/uploads/' },
    { method: 'POST', url: '/v2/new/repository/blobs/uploads/' },
    { method: 'POST', url: `/v2/app/blobs/uploads/?mount=${digest()}&from=app` },
    { method: 'GET', url: uploadA },
    {
      method: 'PATCH',
      url: uploadA,
      payload: randomBytes(16),
      headers: { 'content-type': 'application/octet-stream' },
    },
    { method: 'PUT', url: `${uploadA}&digest=${digest()}` },
    { method: 'DELETE', url: uploadA },
    { method: 'GET', url: `/v2/app/blobs/${digest()}` },
    { method: 'HEAD', url: `/v2/app/blobs/${digest()}` },
    { method: 'DELETE', url: `/v2/app/blobs/${digest()}` },
    { method: 'GET', url: `/v2/app/referrers/${imageA.digest}` },
  ];

  const badCredentials = (): [string, string | undefined][] => {
    const { tokens } = test.berth;
    const expired = tokens.issue(
      { account: accountA, key: 'AKIAIOSFODNN7EXAMPLE' },
      Date.now() - 13 * 3600 * 1000,
    ).password;
    const forged = new TokenService(randomBytes(32)).issue({ account: accountA, key: 'AKIAIOSFODNN7EXAMPLE' }).password;
    const [payload, signature] = passwordA.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${Buffer.from(JSON.stringify({ ...claims, e: (claims.e as number) + 86_400_000 })).toString('base64url')}.${signature}`;
    // A valid signature over a key of another account than the one it claims.
    const crossed = tokens.issue({ account: accountA, key: keyB.accessKeyId }).password;
    return [
      ['no credentials', undefined],
      ['a wrong password', basicAuth(randomBytes(24).toString('base64url'))],
      ['an expired password', basicAuth(expired)],
      ['a password signed with another key', basicAuth(forged)],
      ['a password whose claims were changed', basicAuth(altered)],
      ['a password naming a key of another account', basicAuth(crossed)],
      ['a valid password for a user other than AWS', basicAuth(passwordA, 'root')],
      ['a valid password without the user', `Basic ${Buffer.from(passwordA).toString('base64')}`],
      ['a Bearer token', `Bearer ${passwordA}`],
      ['malformed Basic', 'Basic %%%'],
    ];
  };

  it('answers 401 UNAUTHORIZED with the Basic challenge, whatever the route and method', async () => {
    for (const [what, authorization] of badCredentials()) {
      for (const route of routes()) {
        const res = await app.inject({
          ...route,
          headers: { ...route.headers, ...(authorization && { authorization }) },
        });
        assertUnauthorized(res, `${route.method} ${route.url} with ${what}`, route.method);
      }
    }
  });

  it('changed nothing: the image, its tag, its blobs and the upload are as they were', async () => {
    const reader = loggedIn(app, passwordA);
    const manifest = await reader.inject({ url: '/v2/app/manifests/latest' });
    assert.equal(manifest.statusCode, 200);
    assert.equal(manifest.headers['docker-content-digest'], imageA.digest);
    assert.equal((await reader.inject({ url: '/v2/app/manifests/other' })).statusCode, 404);
    assert.equal(
      (await reader.inject({ method: 'HEAD', url: `/v2/app/blobs/${imageA.layers[0]!.digest}` })).statusCode,
      200,
    );
    const upload = await reader.inject({ url: uploadA });
    assert.equal(upload.statusCode, 204);
    assert.equal(upload.headers.range, '0-0', 'no byte was appended to the upload');
    assert.deepEqual(
      (await reader.inject({ url: '/v2/_catalog' })).json(),
      { repositories: ['app'] },
      'no repository was created',
    );
  });
});

describe('accounts: each host addresses its own registry, closed to other accounts', () => {
  const asB = (host?: string) => loggedIn(app, passwordB, host);
  const hostsOfB = [`${ACCOUNT_B}.${DOMAIN}`, B_ALIAS];

  it("another account's identity is DENIED (403) everything in the first account's registry", async () => {
    const b = asB();
    const denied = [
      await b.inject({ url: '/v2/_catalog' }),
      await b.inject({ url: '/v2/app/tags/list' }),
      await b.inject({ url: '/v2/app/manifests/latest' }),
      await b.inject({ url: `/v2/app/blobs/${imageA.layers[0]!.digest}` }),
      await b.inject({ url: `/v2/app/referrers/${imageA.digest}` }),
      await b.inject({ url: uploadA }),
      await b.inject({ method: 'POST', url: '/v2/app/blobs/uploads/' }),
      await b.inject({ method: 'POST', url: '/v2/intruder/blobs/uploads/' }),
      await b.inject({ method: 'POST', url: `/v2/intruder/blobs/uploads/?mount=${imageA.layers[0]!.digest}&from=app` }),
      await b.inject({
        method: 'PUT',
        url: '/v2/app/manifests/latest',
        payload: imageA.bytes,
        headers: { 'content-type': MediaTypes.ociManifest },
      }),
      await b.inject({ method: 'DELETE', url: `/v2/app/manifests/${imageA.digest}` }),
      await b.inject({ method: 'DELETE', url: `/v2/app/blobs/${imageA.layers[0]!.digest}` }),
    ];
    for (const res of denied) {
      const entry = assertError(res, 403, 'DENIED');
      assert.match(entry.message, new RegExp(`arn:aws:iam::${ACCOUNT_B}:root is not authorized`));
    }
    assert.equal((await b.inject({ method: 'HEAD', url: '/v2/app/manifests/latest' })).statusCode, 403);
    // And the first account's own identity is refused in the second account's registry.
    for (const host of hostsOfB)
      assertError(await loggedIn(app, passwordA, host).inject({ url: '/v2/_catalog' }), 403, 'DENIED');
  });

  it("two accounts' app repositories never collide: each host serves its own", async () => {
    const [byDomain, byAlias] = hostsOfB.map((host) => asB(host)) as [FastifyInstance, FastifyInstance];
    const imageB = await pushImage(byDomain, 'app', 'latest');
    assert.notEqual(imageB.digest, imageA.digest);
    for (const b of [byDomain, byAlias]) {
      const res = await b.inject({ url: '/v2/app/manifests/latest' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['docker-content-digest'], imageB.digest, "B's host serves B's app");
      assert.deepEqual((await b.inject({ url: '/v2/_catalog' })).json(), { repositories: ['app'] });
      assertError(await b.inject({ url: `/v2/app/blobs/${imageA.layers[0]!.digest}` }), 404, 'BLOB_UNKNOWN');
    }
    const a = loggedIn(app, passwordA);
    assert.equal(
      (await a.inject({ url: '/v2/app/manifests/latest' })).headers['docker-content-digest'],
      imageA.digest,
      "A's app is untouched",
    );
    assertError(await a.inject({ url: `/v2/app/manifests/${imageB.digest}` }), 404, 'MANIFEST_UNKNOWN');
    assertError(await a.inject({ url: `/v2/app/blobs/${imageB.layers[0]!.digest}` }), 404, 'BLOB_UNKNOWN');
    // An unknown host, or an account-like name outside the domain, is the default account.
    const other = await loggedIn(app, passwordA, 'elsewhere.test').inject({ url: '/v2/app/manifests/latest' });
    assert.equal(other.headers['docker-content-digest'], imageA.digest);
    assertError(
      await loggedIn(app, passwordB, `${ACCOUNT_B}.other.test`).inject({ url: '/v2/app/tags/list' }),
      403,
      'DENIED',
    );
  });

  it('a password is not bound to a host: it opens its own account on any host that names it', async () => {
    const manifest = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: imageA.config,
      layers: [],
    });
    // A's host, B's password, a push: refused before anything is created.
    assertError(
      await asB().inject({
        method: 'PUT',
        url: '/v2/fresh/manifests/v1',
        payload: manifest,
        headers: { 'content-type': MediaTypes.ociManifest },
      }),
      403,
      'DENIED',
    );
    assert.deepEqual((await loggedIn(app, passwordA).inject({ url: '/v2/_catalog' })).json(), {
      repositories: ['app'],
    });
  });
});

describe('keys that stop working', () => {
  async function newKey(user?: string): Promise<{ key: NewAccessKey; password: string }> {
    const key = await test.berth.identities.createAccessKeyFor(accountA, user);
    return { key, password: await registryPassword(app, key) };
  }

  const status = async (password: string) =>
    (await loggedIn(app, password).inject({ url: '/v2/app/tags/list' })).statusCode;

  it('deactivating a key stops its passwords at once on this node; activating it restores them', async () => {
    const { key, password } = await newKey();
    assert.equal(await status(password), 200);
    await test.berth.identities.setAccessKeyStatus(key.accessKeyId, 'Inactive');
    assertUnauthorized(await loggedIn(app, password).inject({ url: '/v2/app/tags/list' }), 'an inactive key');
    assertUnauthorized(await loggedIn(app, password).inject({ url: '/v2/' }), 'an inactive key on /v2/');
    await test.berth.identities.setAccessKeyStatus(key.accessKeyId, 'Active');
    assert.equal(await status(password), 200);
  });

  it('deleting a key, or its user, stops its passwords', async () => {
    const { key, password } = await newKey();
    await test.berth.identities.deleteAccessKey(key.accessKeyId);
    assert.equal(await status(password), 401);
    await test.berth.identities.createUser(accountA, 'ci');
    // A user may do nothing until a policy lets it (IAM semantics).
    await test.berth.userPolicies.attachUserPolicy(
      accountA,
      'ci',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    );
    const ci = await newKey('ci');
    assert.equal(await status(ci.password), 200);
    await test.berth.identities.deleteUser(accountA, 'ci');
    assert.equal(await status(ci.password), 401);
  });

  it('a change made by another process (berth admin) shows once the key cache forgets it', async () => {
    const { key, password } = await newKey();
    assert.equal(await status(password), 200);
    await test.berth.store.identities.setAccessKeyStatus(key.accessKeyId, 'Inactive');
    assert.equal(await status(password), 200, 'cached for up to 5 s');
    test.berth.identities.forget();
    assert.equal(await status(password), 401);
  });
});
