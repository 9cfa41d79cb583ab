// Pulls' kept lookups of manifest records by tag and digest (registry/manifest-lookups.ts) never
// outlive a change: each test pulls twice first (the second is served from what was kept), then
// changes the tag or manifest another way and pulls again. Two nodes on one database: a change
// on one is seen by the other's next pulls (PostgreSQL's NOTIFY; SQLite's data_version).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { callApi } from '../../testing/api-client.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { MediaTypes } from '../../domain/media-types.js';

const ACCEPT = { accept: `${MediaTypes.ociManifest}, ${MediaTypes.dockerManifest}` };

async function pull(
  app: FastifyInstance,
  name: string,
  reference: string,
): Promise<{ status: number; digest?: string }> {
  const res = await app.inject({ method: 'GET', url: `/v2/${name}/manifests/${reference}`, headers: ACCEPT });
  const digest = res.headers['docker-content-digest'];
  return { status: res.statusCode, ...(typeof digest === 'string' && { digest }) };
}

/** Pulls twice (the second from the kept lookup) and checks both got `digest`. */
async function pullTwice(app: FastifyInstance, name: string, reference: string, digest: string): Promise<void> {
  for (let i = 0; i < 2; i++) assert.deepEqual(await pull(app, name, reference), { status: 200, digest });
}

/** Pulls until the answer is `expected` (another node learns of a change a moment later), at most 3 s. */
async function eventually(
  app: FastifyInstance,
  name: string,
  reference: string,
  expected: { status: number; digest?: string },
): Promise<void> {
  let got = await pull(app, name, reference);
  for (const started = Date.now(); Date.now() - started < 3000 && got.status !== expected.status; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    got = await pull(app, name, reference);
  }
  for (const started = Date.now(); Date.now() - started < 3000 && got.digest !== expected.digest; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    got = await pull(app, name, reference);
  }
  assert.deepEqual(got, expected);
}

describe('kept manifest lookups, one node', () => {
  let node: TestBerth;
  before(async () => {
    node = await startBerth({ listen: false });
  });
  after(() => node?.close());

  test('a tag moved by a push, by ECR PutImage, then removed by BatchDeleteImage', async () => {
    const app = node.berth.app;
    const first = await pushImage(app, 'lookups/move', 'latest');
    await pullTwice(app, 'lookups/move', 'latest', first.digest);
    const second = await pushImage(app, 'lookups/move', 'latest');
    assert.deepEqual(await pull(app, 'lookups/move', 'latest'), { status: 200, digest: second.digest });
    await pullTwice(app, 'lookups/move', 'latest', second.digest);
    const put = await callApi(app, 'PutImage', {
      repositoryName: 'lookups/move',
      imageTag: 'latest',
      imageManifest: first.bytes.toString('utf8'),
      imageManifestMediaType: first.mediaType,
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(await pull(app, 'lookups/move', 'latest'), { status: 200, digest: first.digest });
    await pullTwice(app, 'lookups/move', 'latest', first.digest);
    const untag = await callApi(app, 'BatchDeleteImage', {
      repositoryName: 'lookups/move',
      imageIds: [{ imageTag: 'latest' }],
    });
    assert.equal(untag.statusCode, 200, untag.body);
    assert.equal(JSON.parse(untag.body).failures.length, 0, untag.body);
    assert.equal((await pull(app, 'lookups/move', 'latest')).status, 404);
  });

  test('a manifest deleted by digest is gone by tag and by digest', async () => {
    const app = node.berth.app;
    const image = await pushImage(app, 'lookups/delete', 'v1');
    await pullTwice(app, 'lookups/delete', 'v1', image.digest);
    await pullTwice(app, 'lookups/delete', image.digest, image.digest);
    const res = await app.inject({ method: 'DELETE', url: `/v2/lookups/delete/manifests/${image.digest}` });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal((await pull(app, 'lookups/delete', 'v1')).status, 404);
    assert.equal((await pull(app, 'lookups/delete', image.digest)).status, 404);
  });
});

describe('kept manifest lookups, two nodes on one database', () => {
  let a: TestBerth;
  let b: TestBerth;
  before(async () => {
    a = await startBerth({ listen: false, settings: { nodeId: 'node-a' } });
    b = await startBerth({ listen: false, dataDir: a.dataDir, settings: { nodeId: 'node-b' } });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  test("a push and an untag on one node reach the other node's pulls", async () => {
    const first = await pushImage(a.berth.app, 'lookups/nodes', 'latest');
    await eventually(b.berth.app, 'lookups/nodes', 'latest', { status: 200, digest: first.digest });
    await pullTwice(b.berth.app, 'lookups/nodes', 'latest', first.digest);
    const second = await pushImage(a.berth.app, 'lookups/nodes', 'latest');
    await eventually(b.berth.app, 'lookups/nodes', 'latest', { status: 200, digest: second.digest });
    await pullTwice(b.berth.app, 'lookups/nodes', 'latest', second.digest);
    const res = await a.berth.app.inject({ method: 'DELETE', url: '/v2/lookups/nodes/manifests/latest' });
    assert.equal(res.statusCode, 202, res.body);
    await eventually(b.berth.app, 'lookups/nodes', 'latest', { status: 404 });
  });
});
