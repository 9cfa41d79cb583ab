// A second Berth's public listener as an `ecr-public` upstream of the pull-through cache: its
// pulls ask for a Bearer token (the 401's WWW-Authenticate names its token endpoint), which the
// cache's upstream client gets anonymously, as ECR's cache of ECR Public does. The metadata
// backend changes nothing here: the once tier.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { callApi } from '../testing/api-client.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage, sha256 } from '../testing/public-registry.js';
import { startBerth, type TestBerth } from '../testing/server.js';

describe('the pull-through cache of another Berth as ecr-public', () => {
  let upstream: TestBerth;
  let cache: TestBerth;
  let reference: string;
  let digest: string;

  before(async () => {
    upstream = await startBerth({ settings: { auth: { mode: 'iam' } } });
    const publicUrl = upstream.berth.publicUrl();
    await publicApi(upstream.berth.app, 'CreateRepository', { repositoryName: 'tools/cli' });
    const alias = (await publicApi(upstream.berth.app, 'DescribeRegistries')).registries[0].aliases[0].name as string;
    reference = `${alias}/tools/cli`;
    const token = await bearerToken(
      publicUrl,
      `repository:${reference}:push`,
      await publicPassword(upstream.berth.app),
    );
    digest = await pushPublicImage(publicUrl, token, reference, '1.0');
    const publicHost = new URL(publicUrl).host;
    cache = await startBerth({
      settings: { pullThroughCache: { allowedHosts: [publicHost], plainHttpLoopback: true } },
    });
    const res = await callApi(cache.berth.app, 'CreatePullThroughCacheRule', {
      ecrRepositoryPrefix: 'ecr-public',
      upstreamRegistryUrl: publicHost,
      upstreamRegistry: 'ecr-public',
    });
    assert.equal(res.statusCode, 200, res.body);
  });
  after(async () => {
    await cache?.close();
    await upstream?.close();
  });

  test('a pull through the cache gets its Bearer token from the upstream and stores the image', async () => {
    const name = `ecr-public/${reference}`;
    const res = await fetch(`${cache.url}/v2/${name}/manifests/1.0`, { headers: { Accept: MediaTypes.ociManifest } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('docker-content-digest'), digest);
    const manifest = (await res.json()) as { config: Descriptor; layers: Descriptor[] };
    for (const blob of [manifest.config, ...manifest.layers]) {
      const got = await fetch(`${cache.url}/v2/${name}/blobs/${blob.digest}`);
      assert.equal(got.status, 200);
      assert.equal(sha256(Buffer.from(await got.arrayBuffer())), blob.digest);
    }
    const { store, accountId } = cache.berth;
    let stored: string | undefined;
    for (let i = 0; i < 100 && stored !== digest; i++) {
      const repository = await store.repositories.get(accountId, name);
      stored = repository && (await store.tags.resolve(repository.id, '1.0'))?.digest;
      if (stored !== digest) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(stored, digest, 'the cache stored the image');
  });
});
