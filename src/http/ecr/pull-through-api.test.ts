// The pull-through cache behind the ECR API and the events, against a small upstream on
// loopback: BatchGetImage of an image not cached fetches it upstream and stores it (failures in
// ECR's upstream codes), GetDownloadUrlForLayer of a layer not here fetches it, a Range on a
// miss answers 206 while the whole blob is stored once, and an image landing from upstream
// sends "ECR Pull Through Cache Action" to a webhook through the real wiring.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import { callApi } from '../../testing/api-client.js';
import { FakeUpstream } from '../../testing/fake-upstream.js';
import { freePort, startBerth, type TestBerth } from '../../testing/server.js';
import { eventually, WebhookReceiver } from '../../testing/webhook-receiver.js';

let upstream: FakeUpstream;
let server: TestBerth;
let receiver: WebhookReceiver;

async function api(action: string, input: object, options: { target?: string; service?: string } = {}) {
  const res = await callApi(server.berth.app, action, input, options);
  assert.equal(res.statusCode, 200, `${action}: ${res.body}`);
  return res.json() as Record<string, any>;
}

/** True once `name` holds `digest` as a blob. */
async function stored(name: string, digest: string): Promise<boolean> {
  const repository = await server.berth.store.repositories.get(server.berth.accountId, name);
  return repository !== undefined && (await server.berth.store.blobs.linkedSize(repository.id, digest)) !== undefined;
}

before(async () => {
  upstream = new FakeUpstream();
  await upstream.start();
  receiver = new WebhookReceiver(await freePort());
  await receiver.up();
  server = await startBerth({
    settings: {
      pullThroughCache: { allowedHosts: [upstream.host], plainHttpLoopback: true },
      events: { allowHttpLoopback: true, pollMilliseconds: 50 },
    },
  });
  await api('CreatePullThroughCacheRule', { ecrRepositoryPrefix: 'up', upstreamRegistryUrl: upstream.host });
});
after(async () => {
  await server?.close();
  await receiver?.down();
  await upstream?.close();
});

describe('the pull-through cache through the ECR API', () => {
  test('BatchGetImage of an image not cached fetches it upstream and stores it; what the upstream refuses fails in its codes', async () => {
    const image = upstream.add('lib/batch', '1', [2048, 4096]);
    upstream.add('lib/limited', '1', [512]);
    const got = await api('BatchGetImage', {
      repositoryName: 'up/lib/batch',
      imageIds: [{ imageTag: '1' }, { imageTag: 'never' }],
    });
    assert.equal(got.images.length, 1);
    assert.equal(got.images[0].imageId.imageDigest, image.digest);
    assert.equal(got.images[0].imageManifest, image.manifest.toString('utf8'));
    for (const blob of [image.config, ...image.layers]) assert.ok(await stored('up/lib/batch', blob.digest));
    assert.equal(got.failures.length, 1);
    assert.equal(got.failures[0].failureCode, 'ImageNotFound');
    assert.match(got.failures[0].failureReason, /upstream answered 404/);
    // A second batch is served here: no new fetch upstream.
    const before = upstream.gets.length;
    await api('BatchGetImage', { repositoryName: 'up/lib/batch', imageIds: [{ imageDigest: image.digest }] });
    assert.equal(upstream.gets.length, before);

    upstream.limited = true;
    try {
      const limited = await api('BatchGetImage', { repositoryName: 'up/lib/limited', imageIds: [{ imageTag: '1' }] });
      assert.equal(limited.images.length, 0);
      assert.equal(limited.failures[0].failureCode, 'UpstreamTooManyRequests');
    } finally {
      upstream.limited = false;
    }
  });

  test('GetDownloadUrlForLayer of a layer not here fetches it (the image a /v2 pull is storing waited for)', async () => {
    const image = upstream.add('lib/layered', '1', [3000]);
    const manifest = await server.berth.app.inject({
      url: '/v2/up/lib/layered/manifests/1',
      headers: { accept: MediaTypes.ociManifest },
    });
    assert.equal(manifest.statusCode, 200);
    const layer = image.layers[0]!;
    const { downloadUrl, layerDigest } = await api('GetDownloadUrlForLayer', {
      repositoryName: 'up/lib/layered',
      layerDigest: layer.digest,
    });
    assert.equal(layerDigest, layer.digest);
    const download = await server.berth.app.inject({ url: new URL(downloadUrl).pathname });
    assert.equal(download.statusCode, 200);
    assert.ok(download.rawPayload.equals(layer.bytes));
    assert.equal(upstream.served(`/v2/lib/layered/blobs/${layer.digest}`), 1);
  });

  test('a Range on a miss answers 206 with the range; the whole blob is stored, fetched once', async () => {
    const image = upstream.add('lib/ranged', '1', [200_000]);
    const layer = image.layers[0]!;
    const res = await server.berth.app.inject({
      url: `/v2/up/lib/ranged/blobs/${layer.digest}`,
      headers: { range: 'bytes=100000-100099' },
    });
    assert.equal(res.statusCode, 206);
    assert.equal(res.headers['content-range'], `bytes 100000-100099/${layer.bytes.length}`);
    assert.ok(res.rawPayload.equals(layer.bytes.subarray(100_000, 100_100)));
    await eventually(() => stored('up/lib/ranged', layer.digest), 10_000, 'the whole blob stored');
    const whole = await server.berth.app.inject({ url: `/v2/up/lib/ranged/blobs/${layer.digest}` });
    assert.ok(whole.rawPayload.equals(layer.bytes));
    assert.equal(upstream.served(`/v2/lib/ranged/blobs/${layer.digest}`), 1);
  });

  test('an image landing from upstream sends "ECR Pull Through Cache Action" to a webhook', async () => {
    const events = { target: 'AWSEvents.PutRule', service: 'events' };
    await api('PutRule', { Name: 'cache', EventPattern: '{"detail-type":["ECR Pull Through Cache Action"]}' }, events);
    const put = await api(
      'PutTargets',
      {
        Rule: 'cache',
        Targets: [
          {
            Id: 'hook',
            Arn: receiver.url('/cache'),
            HttpParameters: { HeaderParameters: { 'Berth-Signing-Secret': 'a-secret-of-the-receiver-0123456789' } },
          },
        ],
      },
      { target: 'AWSEvents.PutTargets', service: 'events' },
    );
    assert.equal(put.FailedEntryCount, 0, JSON.stringify(put));
    const image = upstream.add('lib/evented', '2', [1024]);
    await api('BatchGetImage', { repositoryName: 'up/lib/evented', imageIds: [{ imageTag: '2' }] });
    await eventually(() => receiver.all.some((r) => r.path === '/cache'), 10_000, 'the event');
    const event = JSON.parse(receiver.all.find((r) => r.path === '/cache')!.body);
    assert.equal(event['detail-type'], 'ECR Pull Through Cache Action');
    assert.deepEqual(event.resources, [`arn:aws:ecr:us-east-1:${server.berth.accountId}:repository/up/lib/evented`]);
    assert.equal(event.detail['ecr-repository-prefix'], 'up');
    assert.equal(event.detail['image-digest'], image.digest);
    assert.equal(event.detail['sync-status'], 'SUCCESS');
  });
});
