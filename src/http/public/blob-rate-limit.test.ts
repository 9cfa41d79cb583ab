// Blob GETs and HEADs of the public registry are rate-limited as manifest GETs are: per source
// address without credentials, per account with them, each against limits of their own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../../testing/public-registry.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

describe('public blob rate limits', () => {
  let server: TestBerth;
  let publicUrl: string;
  let alias: string;
  let password: string;
  let layer: string;

  before(async () => {
    server = await startBerth({
      settings: {
        auth: { mode: 'iam' },
        public: { rateLimit: { windowSeconds: 3600, anonymousBlobReads: 3, authenticatedBlobReads: 0 } },
      },
    });
    publicUrl = server.berth.publicUrl();
    await publicApi(server.berth.app, 'CreateRepository', { repositoryName: 'limits/app' });
    alias = (await publicApi(server.berth.app, 'DescribeRegistries')).registries[0].aliases[0].name;
    password = await publicPassword(server.berth.app);
    await pushPublicImage(
      publicUrl,
      await bearerToken(publicUrl, `repository:${alias}/limits/app:pull,push`, password),
      `${alias}/limits/app`,
      '1',
    );
    const token = await bearerToken(publicUrl, `repository:${alias}/limits/app:pull`, password);
    const manifest = await fetch(`${publicUrl}/v2/${alias}/limits/app/manifests/1`, {
      headers: { authorization: `Bearer ${token}`, accept: MediaTypes.ociManifest },
    });
    layer = ((await manifest.json()) as { layers: { digest: string }[] }).layers[0]!.digest;
  });
  after(() => server.close());

  const blob = (token: string, method = 'GET') =>
    fetch(`${publicUrl}/v2/${alias}/limits/app/blobs/${layer}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });

  it('limits anonymous blob GETs and HEADs per address with 429 and Retry-After; credentials have their own limit', async () => {
    const anonymous = await bearerToken(publicUrl, `repository:${alias}/limits/app:pull`);
    const statuses = [
      (await blob(anonymous)).status,
      (await blob(anonymous, 'HEAD')).status,
      (await blob(anonymous)).status,
    ];
    assert.deepEqual(statuses, [200, 200, 200]);
    const limited = await blob(anonymous);
    assert.equal(limited.status, 429);
    assert.equal(((await limited.json()) as { errors: { code: string }[] }).errors[0]!.code, 'TOOMANYREQUESTS');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await blob(anonymous, 'HEAD')).status, 429, 'HEAD counts too');
    const authenticated = await bearerToken(publicUrl, `repository:${alias}/limits/app:pull`, password);
    for (let i = 0; i < 5; i++)
      assert.equal((await blob(authenticated)).status, 200, 'unlimited with credentials here');
  });
});
