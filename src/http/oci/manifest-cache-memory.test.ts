// The manifest cache (registry.manifestCacheBytes) bounds the memory it keeps, over a real socket
// as a registry client pushes and pulls: the bytes of a pushed or read manifest are a small view
// of a larger buffer (an 8 KiB slab of Node's allocation pool), and the cache kept each whole
// slab while counting only the manifest's length, so a soak's external memory grew ~25 MiB/min
// far past the bound. Measured as the process's ArrayBuffer memory after full collections.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { pushBlob, randomBlob } from '../../testing/registry-client.js';
import { MediaTypes } from '../../domain/media-types.js';

const CACHE_BYTES = 1024 * 1024;
const MANIFESTS = 1500;
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
): Promise<{ status: number; body: Buffer }> {
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
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
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

test('pushed and pulled manifests keep no more memory in the cache than registry.manifestCacheBytes', async (t) => {
  const app = server.berth.app;
  const config = await pushBlob(
    app,
    'cache/memory',
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
    MediaTypes.ociConfig,
  );
  const layer = await pushBlob(app, 'cache/memory', randomBlob(256), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const baseline = arrayBufferBytes();
  const tags: string[] = [];
  for (let i = 0; i < MANIFESTS; i++) {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config,
        layers: [layer],
        annotations: { n: String(i), pad: 'p'.repeat(300) },
      }),
    );
    const put = await call('PUT', `/v2/cache/memory/manifests/t${i}`, manifest, MediaTypes.ociManifest);
    assert.equal(put.status, 201, put.body.toString());
    tags.push(`t${i}`);
  }
  // Pulls of the oldest (evicted by now: read from storage into the cache again).
  for (const tag of tags.slice(0, 300)) {
    const got = await call('GET', `/v2/cache/memory/manifests/${tag}`);
    assert.equal(got.status, 200);
  }
  const grown = arrayBufferBytes() - baseline;
  t.diagnostic(`ArrayBuffer memory grew ${(grown / MiB).toFixed(2)} MiB`);
  assert.ok(
    grown < CACHE_BYTES + 1.5 * MiB,
    `ArrayBuffer memory grew ${(grown / MiB).toFixed(1)} MiB over ${MANIFESTS} pushes with a ${CACHE_BYTES / MiB} MiB manifest cache`,
  );
});
