// The public registry over real sockets: the token flow (401 with a Bearer challenge, anonymous
// pull tokens, push tokens for a registry password), anonymous pulls of public repositories only,
// anonymous pushes refused, pull rate limits that answer 429 and recover.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../../testing/public-registry.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const WINDOW_S = 2;

describe('public registry', () => {
  let server: TestBerth;
  let publicUrl: string;
  let alias: string;
  let password: string;
  let digest: string;

  before(async () => {
    server = await startBerth({
      settings: {
        auth: { mode: 'iam' },
        public: { rateLimit: { windowSeconds: WINDOW_S, anonymousPulls: 3, authenticatedPulls: 50 } },
      },
    });
    publicUrl = server.berth.publicUrl();
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'web/server' });
    alias = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases[0].name;
    password = await publicPassword(server.berth.app);
    const push = await bearerToken(publicUrl, `repository:${alias}/web/server:pull,push`, password);
    digest = await pushPublicImage(publicUrl, push, `${alias}/web/server`, '1.0');
  });
  after(() => server.close());

  const manifest = (token: string | undefined, reference = `${alias}/web/server`, tag = '1.0', method = 'GET') =>
    fetch(`${publicUrl}/v2/${reference}/manifests/${tag}`, {
      method,
      headers: { accept: MediaTypes.ociManifest, ...(token && { authorization: `Bearer ${token}` }) },
    });

  it('answers a request without a token with a Bearer challenge naming the token endpoint and scope', async () => {
    const base = await fetch(`${publicUrl}/v2/`);
    assert.equal(base.status, 401);
    const host = new URL(publicUrl).host;
    assert.equal(base.headers.get('www-authenticate'), `Bearer realm="http://${host}/token",service="${host}"`);
    const pull = await manifest(undefined);
    assert.equal(pull.status, 401);
    assert.equal(
      pull.headers.get('www-authenticate'),
      `Bearer realm="http://${host}/token",service="${host}",scope="repository:${alias}/web/server:pull"`,
    );
    const forged = await manifest('eyJ2IjoxfQ.bm90LWEtc2lnbmF0dXJl');
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
  });

  it('pulls a public image with an anonymous token, its blobs too', async () => {
    const token = await bearerToken(publicUrl, `repository:${alias}/web/server:pull`);
    const res = await manifest(token);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), digest);
    const body = (await res.json()) as { layers: { digest: string }[] };
    const blob = await fetch(`${publicUrl}/v2/${alias}/web/server/blobs/${body.layers[0]!.digest}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(blob.status, 200);
    assert.equal((await blob.arrayBuffer()).byteLength, 512);
    const tags = await fetch(`${publicUrl}/v2/${alias}/web/server/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(await tags.json(), { name: 'web/server', tags: ['1.0'] });
  });

  it('refuses anonymous pushes, and never serves a private repository or the catalog', async () => {
    const token = await bearerToken(publicUrl, `repository:${alias}/web/server:pull,push`);
    const push = await fetch(`${publicUrl}/v2/${alias}/web/server/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(push.status, 401);
    assert.match(push.headers.get('www-authenticate')!, /scope="repository:[^"]+:pull,push"/);
    const del = await manifest(token, `${alias}/web/server`, digest, 'DELETE');
    assert.equal(del.status, 401);
    assert.equal((await manifest(token)).status, 200, 'the image is still there');

    // A private repository of the same account, with an image: not reachable through the public registry.
    const privatePassword = await (await import('../../testing/api-client.js')).registryPassword(server.berth.app);
    const privateRes = await fetch(`${server.url}/v2/web/private/blobs/uploads/?digest=sha256:${'0'.repeat(64)}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`AWS:${privatePassword}`).toString('base64')}` },
      body: Buffer.alloc(0),
    });
    assert.ok([201, 400].includes(privateRes.status), `private push: ${privateRes.status}`);
    assert.ok(
      await server.berth.store.repositories.get(server.berth.accountId, 'web/private'),
      'the private repository exists',
    );
    // With a token for its scope: what answers is the registry, not the token's scope.
    const hidden = await manifest(
      await bearerToken(publicUrl, `repository:${alias}/web/private:pull`),
      `${alias}/web/private`,
      'latest',
    );
    assert.equal(hidden.status, 404);
    const hiddenError = ((await hidden.json()) as { errors: { code: string; message: string }[] }).errors[0]!;
    assert.equal(hiddenError.code, 'NAME_UNKNOWN');
    assert.match(
      hiddenError.message,
      new RegExp(`registry with id '${server.berth.accountId}'`),
      'named by account id, not by the key it is kept under',
    );
    assert.equal(
      (await fetch(`${server.url}/v2/web/private/tags/list`)).status,
      401,
      'the private registry wants credentials',
    );
    assert.equal(
      (await fetch(`${publicUrl}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } })).status,
      404,
    );
    assert.equal(
      (await manifest(await bearerToken(publicUrl, 'repository:nosuchalias/web/server:pull'), 'nosuchalias/web/server'))
        .status,
      404,
    );
  });

  it('exchanges only a valid registry password for a push token', async () => {
    const res = await fetch(`${publicUrl}/token?scope=repository:${alias}/web/server:push`, {
      headers: { authorization: `Basic ${Buffer.from('AWS:not-a-password').toString('base64')}` },
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
    const good = await fetch(`${publicUrl}/token?scope=repository:${alias}/web/server:pull,push`, {
      headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    const body = (await good.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.equal(body.token, body.access_token);
    assert.equal(body.expires_in, 300);
    // An upload's Location names the repository with its alias, as the client addressed it.
    const start = await fetch(`${publicUrl}/v2/${alias}/web/server/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.token}` },
    });
    assert.equal(start.status, 202);
    assert.match(start.headers.get('location')!, new RegExp(`^/v2/${alias}/web/server/blobs/uploads/`));
    assert.equal(
      (
        await fetch(`${publicUrl}${start.headers.get('location')}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${body.token}` },
        })
      ).status,
      204,
    );
  });

  it('limits anonymous pulls per address with 429 and Retry-After, recovers in the next window, and lets credentials pull more', async () => {
    // Start at the beginning of a window, so the burst below stays in one.
    const windowMs = WINDOW_S * 1000;
    await new Promise((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 20));
    const token = await bearerToken(publicUrl, `repository:${alias}/web/server:pull`);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await manifest(token)).status);
    const limited = await manifest(token);
    assert.deepEqual(statuses, [200, 200, 200]);
    assert.equal(limited.status, 429);
    assert.equal(((await limited.json()) as { errors: { code: string }[] }).errors[0]!.code, 'TOOMANYREQUESTS');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= WINDOW_S, `Retry-After ${retryAfter}`);
    assert.equal((await manifest(token, undefined, '1.0', 'HEAD')).status, 200, 'HEAD is not a pull');
    const authenticated = await bearerToken(publicUrl, `repository:${alias}/web/server:pull`, password);
    assert.equal((await manifest(authenticated)).status, 200, 'an authenticated pull has its own, higher limit');
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 50));
    assert.equal((await manifest(token)).status, 200, 'the next window pulls again');
  });
});
