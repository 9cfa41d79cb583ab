// A second Berth's public listener as an `ecr-public` upstream of the pull-through cache: its
// pulls ask for a Bearer token (the 401's WWW-Authenticate names its token endpoint), which the
// cache's upstream client gets anonymously, as ECR's cache of ECR Public does. The metadata
// backend changes nothing here: the once tier.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { EMPTY_JSON, MediaTypes } from '../domain/media-types.js';
import { callApi } from '../testing/api-client.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage, sha256 } from '../testing/public-registry.js';
import { startBerth, type TestBerth } from '../testing/server.js';

/** Pushes an artifact whose subject is the image `subject` (a signature, as cosign's would be); its digest. */
async function pushReferrer(publicUrl: string, token: string, reference: string, subject: string): Promise<string> {
  const auth = { authorization: `Bearer ${token}` };
  const upload = async (bytes: Buffer) => {
    const res = await fetch(`${publicUrl}/v2/${reference}/blobs/uploads/?digest=${sha256(bytes)}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    assert.equal(res.status, 201, await res.text());
    return { digest: sha256(bytes), size: bytes.length };
  };
  await upload(EMPTY_JSON.bytes);
  const payload = await upload(Buffer.from('a signature'));
  const image = await fetch(`${publicUrl}/v2/${reference}/manifests/${subject}`, {
    headers: { ...auth, accept: MediaTypes.ociManifest },
  });
  const imageSize = (await image.arrayBuffer()).byteLength;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.example.signature',
      config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size },
      layers: [{ mediaType: 'application/octet-stream', ...payload }],
      subject: { mediaType: MediaTypes.ociManifest, digest: subject, size: imageSize },
    }),
  );
  const put = await fetch(`${publicUrl}/v2/${reference}/manifests/${sha256(manifest)}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': MediaTypes.ociManifest },
    body: manifest,
  });
  assert.equal(put.status, 201, await put.text());
  return sha256(manifest);
}

describe('the pull-through cache of another Berth as ecr-public', () => {
  let upstream: TestBerth;
  let cache: TestBerth;
  let reference: string;
  let digest: string;
  let signature: string;

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
    signature = await pushReferrer(publicUrl, token, reference, digest);
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

  test('a pull through the cache gets its Bearer token from the upstream and stores the image with its referrers', async () => {
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
    // The upstream's referrers of the image (a signature here) are cached with it.
    let referrers: string[] = [];
    for (let i = 0; i < 100 && !referrers.includes(signature); i++) {
      const listed = await fetch(`${cache.url}/v2/${name}/referrers/${digest}`);
      referrers = ((await listed.json()) as { manifests: Descriptor[] }).manifests.map((m) => m.digest);
      if (!referrers.includes(signature)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(referrers, [signature]);
  });
});
