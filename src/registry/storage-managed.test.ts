// Storage-managed encryption on the file system (storage.filesystem.encryptedVolume), through the
// real HTTP surface: on a declared encrypted volume the layers of an AES256 repository are stored
// plain (the store-encrypted form) and served byte-identical, whole and by Range; a KMS
// repository's stay sealed by Berth, and a plain blob mounted into one is sealed for it; without
// the declaration every blob is sealed as before.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateRepositoryCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { SEGMENT } from '../storage/encryption/segments.js';
import { sha256 } from '../testing/ecr.js';
import { ecrClient, RegistryHttp } from '../testing/ecr-http.js';
import { dropPostgresDatabaseFor, testBackend } from '../testing/postgres.js';
import { startBerth, tempDir, type TestBerth } from '../testing/server.js';
import { inspectVolume } from '../storage/volume-check.js';

interface Running {
  server: TestBerth;
  client: ECRClient;
  registry: RegistryHttp;
}

async function start(encryptedVolume: boolean): Promise<Running> {
  // Forced: the test machine's temporary directory may be on a plain disk (volume-check.test.ts
  // covers the check itself).
  const filesystem = encryptedVolume ? { encryptedVolume: true, forceEncryptedVolume: true } : {};
  const server = await startBerth({ settings: { auth: { mode: 'iam' }, storage: { filesystem } } });
  const client = ecrClient(server.url);
  return { server, client, registry: await RegistryHttp.login(server.url, client) };
}

async function stop(running: Running): Promise<void> {
  running.client.destroy();
  await running.server.close();
}

function blobDir(running: Running, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(running.server.dataDir, 'storage', 'blobs', 'sha256', hex.slice(0, 2), hex);
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('storage-managed encryption on a declared encrypted volume', () => {
  let on: Running;
  before(async () => {
    on = await start(true);
    await on.client.send(new CreateRepositoryCommand({ repositoryName: 'vol/aes' }));
    await on.client.send(
      new CreateRepositoryCommand({ repositoryName: 'vol/kms', encryptionConfiguration: { encryptionType: 'KMS' } }),
    );
  });
  after(() => stop(on));

  test('an AES256 repository stores layers plain and serves them byte-identical, whole and by Range', async () => {
    const layer = randomBytes(3 * SEGMENT + 777);
    const { digest } = await on.registry.blob('vol/aes', layer);
    assert.deepEqual(readdirSync(blobDir(on, digest)), ['store-encrypted'], 'only the plain form is stored');
    assert.deepEqual(readFileSync(join(blobDir(on, digest), 'store-encrypted')), layer);

    const whole = await on.registry.fetch(`/v2/vol/aes/blobs/${digest}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-length'), String(layer.length));
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), layer);
    for (const [first, last] of [
      [0, 0],
      [SEGMENT - 3, SEGMENT + 2],
      [5, layer.length - 1],
      [layer.length - 10, layer.length - 1],
    ] as const) {
      const res = await on.registry.fetch(`/v2/vol/aes/blobs/${digest}`, {
        headers: { range: `bytes=${first}-${last}` },
      });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes ${first}-${last}/${layer.length}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), layer.subarray(first, last + 1), `bytes ${first}-${last}`);
    }
  });

  test('a chunked upload of an AES256 repository is written plain while in progress', async () => {
    const marker = randomBytes(64);
    const startRes = await on.registry.fetch('/v2/vol/aes/blobs/uploads/', { method: 'POST' });
    assert.equal(startRes.status, 202);
    const location = startRes.headers.get('location')!.replace(on.server.url, '');
    const patch = await on.registry.fetch(location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.concat([marker, randomBytes(100)]),
    });
    assert.equal(patch.status, 202);
    const uploads = files(join(on.server.dataDir, 'storage', 'uploads'));
    assert.ok(
      uploads.some((f) => f.endsWith('store-encrypted') && readFileSync(f).includes(marker)),
      `an upload file holds the plain bytes: ${uploads.join(', ')}`,
    );
  });

  test('a KMS repository stays sealed by Berth, and a plain blob mounted into it is sealed for it', async () => {
    const marker = randomBytes(64);
    const layer = Buffer.concat([marker, randomBytes(2 * SEGMENT), marker]);
    const { digest } = await on.registry.blob('vol/kms', layer);
    assert.deepEqual(readdirSync(blobDir(on, digest)), ['data'], 'only the sealed form is stored');
    assert.equal(
      readFileSync(join(blobDir(on, digest), 'data')).indexOf(marker),
      -1,
      'the sealed form holds no plaintext',
    );
    const got = await on.registry.fetch(`/v2/vol/kms/blobs/${digest}`);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), layer);

    const plain = randomBytes(SEGMENT + 5);
    const mounted = (await on.registry.blob('vol/aes', plain)).digest;
    assert.deepEqual(readdirSync(blobDir(on, mounted)), ['store-encrypted']);
    const mount = await on.registry.fetch(`/v2/vol/kms/blobs/uploads/?mount=${mounted}&from=vol/aes`, {
      method: 'POST',
    });
    assert.equal(mount.status, 201);
    assert.deepEqual(readdirSync(blobDir(on, mounted)).sort(), ['data', 'store-encrypted']);
    assert.equal(readFileSync(join(blobDir(on, mounted), 'data')).indexOf(plain.subarray(0, 64)), -1);
    const read = await on.registry.fetch(`/v2/vol/kms/blobs/${mounted}`);
    assert.equal(read.status, 200);
    assert.deepEqual(Buffer.from(await read.arrayBuffer()), plain);
    assert.equal(sha256(plain), mounted);
  });
});

describe('without the declaration', () => {
  let off: Running;
  before(async () => {
    off = await start(false);
    await off.client.send(new CreateRepositoryCommand({ repositoryName: 'vol/aes' }));
  });
  after(() => stop(off));

  test('an AES256 repository seals its layers as before', async () => {
    const marker = randomBytes(64);
    const layer = Buffer.concat([marker, randomBytes(SEGMENT), marker]);
    const { digest } = await off.registry.blob('vol/aes', layer);
    assert.deepEqual(readdirSync(blobDir(off, digest)), ['data']);
    assert.equal(readFileSync(join(blobDir(off, digest), 'data')).indexOf(marker), -1);
    const got = await off.registry.fetch(`/v2/vol/aes/blobs/${digest}`);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), layer);
  });
});

describe('the startup check', () => {
  test('Berth starts on the declaration as the check of its data directory decides: refused when shown false', async () => {
    const dataDir = tempDir('berth-volume-');
    try {
      mkdirSync(join(dataDir, 'storage'), { recursive: true });
      const finding = await inspectVolume(join(dataDir, 'storage'));
      const starting = startBerth({ dataDir, settings: { storage: { filesystem: { encryptedVolume: true } } } });
      if (finding.kind === 'not-encrypted') {
        await assert.rejects(
          starting,
          (err: Error) => err.name === 'DeploymentError' && /forceEncryptedVolume/.test(err.message),
        );
      } else {
        await (await starting).close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
    }
  });
});
