// Deleting a manifest lets go of its bytes in the manifest cache, over a real socket: the cache
// (by digest, up to registry.manifestCacheBytes) kept every pushed manifest, deleted or not, until
// evicted by newer ones, so a registry that pushes and deletes (CI images, the soak) held the
// bytes of manifests nobody could pull any more, up to the whole bound: the soak's RSS kept
// growing for as long as the bound took to fill (~70 minutes at 64 MiB). Measured as the
// process's ArrayBuffer memory after full collections.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { pushBlob, randomBlob } from '../../testing/registry-client.js';
import { MediaTypes } from '../../domain/media-types.js';

const CACHE_BYTES = 16 * 1024 * 1024;
const MANIFESTS = 800;
const MiB = 1024 * 1024;

let server: TestBerth;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

before(async () => {
  server = await startBerth({ settings: { registry: { manifestCacheBytes: CACHE_BYTES } } });
});
after(async () => {
  agent.destroy();
  await server?.close();
});

function call(
  method: string,
  path: string,
  body?: Buffer,
  contentType?: string,
): Promise<{ status: number; body: Buffer; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      {
        method,
        agent,
        headers: {
          ...(contentType && { 'Content-Type': contentType }),
          ...(body && { 'Content-Length': body.length }),
          Accept: MediaTypes.ociManifest,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** ArrayBuffer memory (Buffers included) of the process after full collections. */
function arrayBufferBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().arrayBuffers;
}

test('deleted manifests leave the manifest cache', async (t) => {
  const app = server.berth.app;
  const config = await pushBlob(
    app,
    'cache/deletes',
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
    MediaTypes.ociConfig,
  );
  const layer = await pushBlob(app, 'cache/deletes', randomBlob(256), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const baseline = arrayBufferBytes();
  const digests: string[] = [];
  for (let i = 0; i < MANIFESTS; i++) {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config,
        layers: [layer],
        annotations: { n: String(i), pad: 'p'.repeat(4000) },
      }),
    );
    const put = await call('PUT', `/v2/cache/deletes/manifests/t${i}`, manifest, MediaTypes.ociManifest);
    assert.equal(put.status, 201, put.body.toString());
    digests.push(String(put.headers['docker-content-digest']));
  }
  const cached = arrayBufferBytes() - baseline;
  t.diagnostic(`${MANIFESTS} pushes: ArrayBuffer memory grew ${(cached / MiB).toFixed(2)} MiB`);
  assert.ok(cached > 2 * MiB, `the pushes should fill the cache (grew ${(cached / MiB).toFixed(2)} MiB)`);
  for (const digest of digests) {
    const deleted = await call('DELETE', `/v2/cache/deletes/manifests/${digest}`);
    assert.equal(deleted.status, 202, deleted.body.toString());
  }
  const left = arrayBufferBytes() - baseline;
  t.diagnostic(`after deleting them: ${(left / MiB).toFixed(2)} MiB`);
  assert.ok(left < 0.5 * MiB, `deleted manifests still hold ${(left / MiB).toFixed(2)} MiB in the manifest cache`);
});
