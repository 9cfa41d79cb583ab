// A full disk is 507 with a message that says so (the spec's UNKNOWN code), never a bare 500: for a
// chunk, a monolithic push, an upload's start and a manifest. A failed upload's bytes are freed at
// once. The storage is a real 8 MiB tmpfs (root in the test sandbox); without mount rights, a
// driver that answers ENOSPC stands in. Database-full errors (SQLite, PostgreSQL) map the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaTypes } from '../../domain/media-types.js';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';
import {
  assertError,
  digestOf,
  manifestBytes,
  OCTET_STREAM,
  pushBlob,
  pushImage,
  putManifest,
  randomBlob,
  startUpload,
} from '../../testing/registry-client.js';
import { patchUpload } from '../../testing/upload-client.js';
import type { Response } from '../../testing/registry-client.js';
import { callApi } from '../../testing/api-client.js';

const MiB = 1024 * 1024;
let server: TestBerth;
let dataDir: string;
let storage: string;
let mounted = false;
/** Without a tmpfs: whether the stand-in driver answers every write with ENOSPC. */
let simulatedFull = false;

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    errno: -28,
    syscall: 'write',
  });
}

function assertFull(res: Response): void {
  assert.equal(res.statusCode, 507, `${res.statusCode} ${res.body}`);
  const error = assertError(res, 507, 'UNKNOWN');
  assert.match(error.message, /storage is full/);
}

async function storedUploads(): Promise<string[]> {
  try {
    return await server.berth.driver.list('/uploads');
  } catch {
    return [];
  }
}

function freeBytes(): number {
  const stats = statfsSync(storage);
  return stats.bavail * stats.bsize;
}

/** Takes all the free space (a filler file on the tmpfs, or the stand-in's switch). */
function fill(): void {
  if (!mounted) {
    simulatedFull = true;
    return;
  }
  try {
    writeFileSync(join(storage, 'filler'), Buffer.alloc(freeBytes() + MiB));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

function unfill(): void {
  simulatedFull = false;
  rmSync(join(storage, 'filler'), { force: true });
}

before(async () => {
  dataDir = tempDir('berth-full-');
  storage = join(dataDir, 'storage');
  mkdirSync(storage);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', storage], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
  server = await startBerth({ listen: false, dataDir });
  if (!mounted) {
    const driver = server.berth.driver;
    const writer = driver.writer.bind(driver);
    const putContent = driver.putContent.bind(driver);
    // The stand-in: a write over 4 MiB to one file, or any write while "full", fails as a full disk would.
    driver.writer = async (path, append) => {
      if (simulatedFull) throw enospc();
      const inner = await writer(path, append);
      const write = inner.write.bind(inner);
      inner.write = async (source, release) =>
        write(
          (async function* () {
            let size = inner.size;
            for await (const chunk of source) {
              size += chunk.length;
              if (size > 4 * MiB) throw enospc();
              yield chunk;
            }
          })(),
          release,
        );
      return inner;
    };
    driver.putContent = async (path, content, options) => {
      if (simulatedFull) throw enospc();
      return putContent(path, content, options);
    };
  }
});

after(async () => {
  await server.close();
  if (mounted) execFileSync('umount', [storage]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a full disk', () => {
  test('a chunk bigger than the free space is 507 and the upload is abandoned with its bytes at once', async () => {
    const before = mounted ? freeBytes() : 0;
    const location = await startUpload(server.berth.app, 'full/chunk');
    const res = await patchUpload(server.berth.app, location, randomBlob(12 * MiB));
    assertFull(res);
    assertError(await server.berth.app.inject({ url: location }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(await storedUploads(), [], 'no upload bytes are left');
    if (mounted) assert.ok(freeBytes() >= before - 64 * 1024, `the space came back: ${freeBytes()} of ${before}`);
  });

  test('a monolithic push bigger than the free space is 507 and leaves nothing', async () => {
    const data = randomBlob(12 * MiB);
    const res = await server.berth.app.inject({
      method: 'POST',
      url: `/v2/full/mono/blobs/uploads/?digest=${digestOf(data)}`,
      headers: OCTET_STREAM,
      payload: data,
    });
    assertFull(res);
    assert.deepEqual(await storedUploads(), []);
    assert.equal(
      (await server.berth.app.inject({ method: 'HEAD', url: `/v2/full/mono/blobs/${digestOf(data)}` })).statusCode,
      404,
    );
  });

  test('starting an upload and putting a manifest on a full disk are 507; after space is freed both work', async () => {
    const config = await pushBlob(
      server.berth.app,
      'full/manifest',
      Buffer.from('{"architecture":"amd64","os":"linux"}'),
      MediaTypes.ociConfig,
    );
    const manifest = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [] });
    fill();
    try {
      assertFull(await server.berth.app.inject({ method: 'POST', url: '/v2/full/start/blobs/uploads/' }));
      assert.deepEqual(await storedUploads(), []);
      assertFull(await putManifest(server.berth.app, 'full/manifest', 'v1', manifest, MediaTypes.ociManifest));
    } finally {
      unfill();
    }
    assert.equal(
      (await putManifest(server.berth.app, 'full/manifest', 'v1', manifest, MediaTypes.ociManifest)).statusCode,
      201,
    );
    await pushImage(server.berth.app, 'full/after', 'v1');
  });

  test('on the ECR API a full disk is ServerException 507 saying the storage is full, for InitiateLayerUpload and UploadLayerPart', async () => {
    const repositoryName = 'full/ecr';
    assert.equal((await callApi(server.berth.app, 'CreateRepository', { repositoryName })).statusCode, 200);
    const started = await callApi(server.berth.app, 'InitiateLayerUpload', { repositoryName });
    assert.equal(started.statusCode, 200, started.body);
    const { uploadId } = started.json() as { uploadId: string };
    const part = await callApi(server.berth.app, 'UploadLayerPart', {
      repositoryName,
      uploadId,
      partFirstByte: 0,
      partLastByte: 12 * MiB - 1,
      layerPartBlob: randomBlob(12 * MiB).toString('base64'),
    });
    assert.equal(part.statusCode, 507, part.body);
    assert.equal(part.json().__type, 'ServerException');
    assert.match(part.json().message, /storage is full/);
    fill();
    try {
      const refused = await callApi(server.berth.app, 'InitiateLayerUpload', { repositoryName });
      assert.equal(refused.statusCode, 507, refused.body);
      assert.match(refused.json().message, /storage is full/);
    } finally {
      unfill();
    }
  });

  test('a full database (SQLITE_FULL, PostgreSQL 53100) is 507 too, for an upload start and a blob push', async () => {
    const uploads = server.berth.store.uploads;
    const create = uploads.create.bind(uploads);
    for (const code of ['SQLITE_FULL', '53100']) {
      uploads.create = async () => {
        throw Object.assign(new Error('database or disk is full'), { code });
      };
      try {
        assertFull(await server.berth.app.inject({ method: 'POST', url: '/v2/full/db/blobs/uploads/' }));
        const data = randomBlob(100);
        assertFull(
          await server.berth.app.inject({
            method: 'POST',
            url: `/v2/full/db/blobs/uploads/?digest=${digestOf(data)}`,
            headers: OCTET_STREAM,
            payload: data,
          }),
        );
      } finally {
        uploads.create = create;
      }
    }
    await startUpload(server.berth.app, 'full/db');
  });
});
