// The pull-through cache's single flight across nodes: two Berth nodes on one database and one
// blob store, twenty first pulls of one image at the same time, ten on each node, and the
// upstream (any OCI registry: a small one on loopback, its layer sent slowly so the pulls
// overlap) sends each blob once. Every pull gets the whole blob, and the image ends up stored
// once. The fetch lease is a database row: this runs on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MediaTypes } from '../domain/media-types.js';
import { callApi } from '../testing/api-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const layer = randomBytes(512 * 1024);
const config = Buffer.from(
  JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }),
);
const blobs = new Map([
  [sha256(config), config],
  [sha256(layer), layer],
]);
/** A layer the upstream sends half of, then holds back until the test lets it go on. */
const held = randomBytes(1024 * 1024);
let letGo: () => void = () => {};
const goOn = new Promise<void>((resolve) => {
  letGo = resolve;
});
const heldManifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(held), size: held.length }],
  }),
);

describe('pull-through cache across two nodes', () => {
  let upstream: Server;
  let host: string;
  const fetched = new Map<string, number>();
  let a: TestBerth;
  let b: TestBerth;

  before(async () => {
    upstream = createServer(async (req, res) => {
      const blob = /^\/v2\/lib\/app\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '');
      if (req.url === '/v2/lib/held/manifests/1') {
        res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest, 'Content-Length': heldManifest.length });
        res.end(heldManifest);
      } else if (req.url === `/v2/lib/held/blobs/${sha256(held)}`) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': held.length });
        res.write(held.subarray(0, held.length / 2));
        await goOn;
        res.end(held.subarray(held.length / 2));
      } else if (req.url === '/v2/lib/app/manifests/1') {
        res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest, 'Content-Length': manifest.length });
        res.end(manifest);
      } else if (blob && blobs.has(blob[1]!)) {
        const bytes = blobs.get(blob[1]!)!;
        fetched.set(blob[1]!, (fetched.get(blob[1]!) ?? 0) + 1);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
        // Slowly, in pieces: the other pulls arrive while the first fetch runs.
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          res.write(bytes.subarray(at, at + 64 * 1024));
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        res.end();
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'no such thing' }] }));
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const pullThroughCache = { allowedHosts: [host], plainHttpLoopback: true };
    a = await startBerth({ settings: { nodeId: 'node-a', pullThroughCache } });
    b = await startBerth({ dataDir: a.dataDir, settings: { nodeId: 'node-b', pullThroughCache } });
    const res = await callApi(a.berth.app, 'CreatePullThroughCacheRule', {
      ecrRepositoryPrefix: 'mirror',
      upstreamRegistryUrl: host,
    });
    assert.equal(res.statusCode, 200, res.body);
  });
  after(async () => {
    await b?.close();
    await a?.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test('twenty first pulls on two nodes: each blob is fetched from the upstream once', async () => {
    const pull = async (node: TestBerth) => {
      const res = await fetch(`${node.url}/v2/mirror/lib/app/manifests/1`, {
        headers: { Accept: MediaTypes.ociManifest },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-content-digest'), sha256(manifest));
      await res.arrayBuffer();
      for (const [digest, bytes] of blobs) {
        const got = await fetch(`${node.url}/v2/mirror/lib/app/blobs/${digest}`);
        assert.equal(got.status, 200, await got.clone().text());
        assert.equal(sha256(Buffer.from(await got.arrayBuffer())), digest, `${bytes.length} bytes as sent`);
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => pull(i % 2 === 0 ? a : b)));
    const { store, accountId } = a.berth;
    for (let i = 0; i < 100; i++) {
      const repository = await store.repositories.get(accountId, 'mirror/lib/app');
      if (repository && (await store.tags.resolve(repository.id, '1'))?.digest === sha256(manifest)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const repository = await store.repositories.get(accountId, 'mirror/lib/app');
    assert.equal((await store.tags.resolve(repository!.id, '1'))?.digest, sha256(manifest), 'the image is stored');
    assert.deepEqual(Object.fromEntries(fetched), Object.fromEntries([...blobs.keys()].map((d) => [d, 1])));
  });

  test('a blob fetched on a miss reaches the client as it arrives, before the upstream has sent it all', {
    timeout: 20_000,
  }, async () => {
    const res = await fetch(`${a.url}/v2/mirror/lib/held/manifests/1`, { headers: { Accept: MediaTypes.ociManifest } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const blob = await fetch(`${a.url}/v2/mirror/lib/held/blobs/${sha256(held)}`);
    assert.equal(blob.status, 200);
    assert.equal(blob.headers.get('content-length'), String(held.length));
    const reader = blob.body!.getReader();
    const parts: Uint8Array[] = [];
    let received = 0;
    while (received < held.length / 2) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the body ended early');
      parts.push(value);
      received += value.length;
    }
    // Half the blob is here while the upstream still holds the rest back.
    letGo();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    assert.equal(sha256(Buffer.concat(parts)), sha256(held));
  });
});
