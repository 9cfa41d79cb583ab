// Berth's three HMAC-signed tokens through the HTTP surface: a registry password (Basic on /v2),
// a public registry bearer token, a layer download URL. Each works as issued, and none works
// with bytes appended or with its last character swapped for the twin that a lenient base64url
// decoder reads as the same bytes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basicAuth, callApi, loggedIn, registryPassword } from '../testing/api-client.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../testing/public-registry.js';
import { pushImage } from '../testing/registry-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The token with its last character replaced by one that decodes to the same bytes (the unused low bits set). */
function twin(token: string): string {
  const last = ALPHABET.indexOf(token.at(-1)!);
  return `${token.slice(0, -1)}${ALPHABET[last ^ 1]}`;
}

/** Spellings of `token` that a lenient decoder accepts as the same signature. */
function variants(token: string): Record<string, string> {
  assert.equal(
    Buffer.from(twin(token).split('.')[1]!, 'base64url').compare(Buffer.from(token.split('.')[1]!, 'base64url')),
    0,
    'the twin decodes leniently to the same bytes',
  );
  return {
    twin: twin(token),
    'padding appended': `${token}=`,
    'a skipped character appended': `${token}%21`,
    'a space appended': `${token}%20`,
    'two pads appended': `${token}==`,
  };
}

describe('signed tokens are decoded strictly', () => {
  let server: TestBerth;

  before(async () => {
    server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  });
  after(() => server.close());

  it('a registry password: refused on /v2 when altered in its encoding', async () => {
    const password = await registryPassword(server.berth.app);
    const get = (p: string) => fetch(`${server.url}/v2/`, { headers: { authorization: basicAuth(p) } });
    assert.equal((await get(password)).status, 200);
    for (const [what, altered] of Object.entries(variants(password))) {
      const res = await get(decodeURIComponent(altered));
      assert.equal(res.status, 401, what);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED', what);
    }
  });

  it('a public registry bearer token: refused when altered in its encoding', async () => {
    const publicUrl = server.berth.publicUrl();
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'tokens/app' });
    const alias = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases[0].name as string;
    const push = await bearerToken(
      publicUrl,
      `repository:${alias}/tokens/app:pull,push`,
      await publicPassword(server.berth.app),
    );
    await pushPublicImage(publicUrl, push, `${alias}/tokens/app`, '1');
    const token = await bearerToken(publicUrl, `repository:${alias}/tokens/app:pull`);
    const get = (t: string) =>
      fetch(`${publicUrl}/v2/${alias}/tokens/app/manifests/1`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await get(token)).status, 200);
    for (const [what, altered] of Object.entries(variants(token))) {
      // A bearer token is one header token: only the spellings that stay one are sent.
      if (/%20/.test(altered)) continue;
      const res = await get(decodeURIComponent(altered));
      assert.equal(res.status, 401, what);
    }
  });

  it('a layer download URL: refused when altered in its encoding', async () => {
    const password = await registryPassword(server.berth.app);
    const image = await pushImage(loggedIn(server.berth.app, password), 'tokens/layers', 'v1');
    const res = await callApi(server.berth.app, 'GetDownloadUrlForLayer', {
      repositoryName: 'tokens/layers',
      layerDigest: image.layers[0]!.digest,
    });
    assert.equal(res.statusCode, 200, res.body);
    const url = (res.json() as { downloadUrl: string }).downloadUrl;
    const token = url.slice(url.lastIndexOf('/') + 1);
    assert.equal((await fetch(`${server.url}/layers/${token}`)).status, 200);
    for (const [what, altered] of Object.entries(variants(token))) {
      const refused = await fetch(`${server.url}/layers/${altered}`);
      assert.equal(refused.status, 403, what);
      assert.equal(((await refused.json()) as { code: string }).code, 'AccessDenied', what);
    }
  });
});
