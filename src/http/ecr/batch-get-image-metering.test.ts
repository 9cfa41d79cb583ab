// BatchGetImage is metered: the manifest bytes it returns count as transfer out of the
// repository, for the caller, as a /v2 manifest GET's do (in memory, written at the flush).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callApi, loggedIn, registryPassword } from '../../testing/api-client.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' }, metering: { flushSeconds: 3600 } } });
});
after(() => server?.close());

describe('BatchGetImage metering', () => {
  it("counts the returned manifests' bytes as transfer out, per repository and caller", async () => {
    const app = server.berth.app;
    const registry = loggedIn(app, await registryPassword(app));
    const v1 = await pushImage(registry, 'metered/batch', 'v1');
    const v2 = await pushImage(registry, 'metered/batch', 'v2');
    const res = await callApi(app, 'BatchGetImage', {
      repositoryName: 'metered/batch',
      imageIds: [{ imageTag: 'v1' }, { imageTag: 'v2' }, { imageTag: 'missing' }],
    });
    assert.equal(res.statusCode, 200, res.body);
    const images = res.json().images as { imageManifest: string }[];
    assert.equal(images.length, 2);
    const returned = images.reduce((n, i) => n + Buffer.byteLength(i.imageManifest), 0);
    assert.equal(returned, v1.bytes.length + v2.bytes.length);

    await server.berth.metering.counter!.flush();
    const rows = (await server.berth.store.metering.transfer({ from: 0, to: Date.now() + 3_600_000 })).filter(
      (r) => r.repositoryName === 'metered/batch',
    );
    assert.equal(
      rows.reduce((n, r) => n + r.bytes, 0),
      returned,
      'the bytes BatchGetImage returned',
    );
    assert.equal(
      rows.reduce((n, r) => n + r.requests, 0),
      2,
      'one per image returned',
    );
    assert.deepEqual(
      rows.map((r) => [r.listener, r.principal]),
      [['main', `arn:aws:iam::${server.berth.accountId}:root`]],
    );
  });
});
