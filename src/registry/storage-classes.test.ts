// The storage-class service's moves as a deployment of several nodes sees them: progress
// recorded per blob under the mover's lease, a restore a node recorded but did not finish taken
// over by another once its lease expires, and archiving refused while a restore runs; the API
// parts through the real HTTP surface with the JS SDK.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DescribeImagesCommand, UpdateImageStorageClassCommand, type ECRClient } from '@aws-sdk/client-ecr';
import type { Digest } from '../domain/digest.js';
import type { StorageClass } from '../storage/driver.js';
import { BlobStore } from '../storage/blob-store.js';
import { apiPushImage, ecrClient, registryLogin, rejectsWith } from '../testing/ecr.js';
import { runScript } from '../testing/cli.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { CLI, startBerth, type TestBerth } from '../testing/server.js';
import { StorageClassService } from './storage-classes.js';

let server: TestBerth;
let client: ECRClient;
let authorization: string;
let counter = 0;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  ({ authorization } = await registryLogin(client));
});

after(async () => {
  client?.destroy();
  await server?.close();
});

const blobFile = (root: string, digest: string) => {
  const hex = digest.slice('sha256:'.length);
  return join(server.dataDir, root, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
};

const statusOf = async (repositoryName: string, digest: string) =>
  (await client.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] })))
    .imageDetails![0]!.imageStatus;

test('a restore one node recorded and did not finish is taken over by another, with its progress recorded per blob', async () => {
  const name = `classes/r${++counter}`;
  const image = await apiPushImage(client, name, { tag: 'v1', layers: [Buffer.alloc(5000, 1)] });
  const { store, services, accountId } = server.berth;
  const repository = (await store.repositories.get(accountId, name))!;
  await client.send(
    new UpdateImageStorageClassCommand({
      repositoryName: name,
      imageId: { imageTag: 'v1' },
      targetStorageClass: 'ARCHIVE',
    }),
  );
  await services.storageClasses.idle();
  assert.ok(existsSync(blobFile('archive', image.layers[0]!.digest)));

  // A node records the restore, leases the move, and dies before moving anything.
  assert.equal(await store.archive.transition(repository.id, image.digest, 'ARCHIVED', 'ACTIVATING', Date.now()), true);
  const now = Date.now();
  assert.equal(
    await store.archive.claim(repository.id, image.digest, 'STANDARD', 'dead-node', now, now + 60_000),
    true,
  );
  assert.equal(await statusOf(name, image.digest), 'ACTIVATING');
  await rejectsWith(
    client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: name,
        imageId: { imageTag: 'v1' },
        targetStorageClass: 'ARCHIVE',
      }),
    ),
    'ImageStorageClassUpdateNotSupportedException',
    /being restored/,
  );
  const pull = await fetch(`${server.url}/v2/${name}/manifests/v1`, { headers: { authorization } });
  assert.equal(pull.status, 404);
  assert.match(await pull.text(), /ACTIVATING/);
  assert.equal(await services.storageClasses.runPending(), 0, 'the lease holds the move');

  // Another node, once the lease has expired: its mover waits at the second blob, so the
  // progress of the first is seen, under its lease.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const blobs = new BlobStore(server.berth.driver);
  let calls = 0;
  let reached!: () => void;
  const atSecond = new Promise<void>((resolve) => (reached = resolve));
  const mover = new StorageClassService(
    store,
    {
      async setStorageClass(digest: Digest, storageClass: StorageClass) {
        if (++calls === 2) {
          reached();
          await gate;
        }
        return blobs.setStorageClass(digest, storageClass);
      },
    },
    undefined as never,
    { node: 'other-node', leaseMs: 60_000 },
  );
  const later = () => Date.now() + 120_000;
  const running = mover.runPending(later);
  await atSecond;
  const move = await store.archive.move(repository.id, image.digest);
  const sizes = [image.config.size, image.layers[0]!.size].sort((x, y) => x - y);
  assert.equal(move?.leaseHolder, 'other-node');
  assert.equal(move?.target, 'STANDARD');
  assert.equal(move?.blobsTotal, 2);
  assert.equal(move?.blobsDone, 1);
  assert.equal(move?.bytesTotal, sizes[0]! + sizes[1]!);
  assert.ok(move!.bytesDone > 0 && move!.bytesDone < move!.bytesTotal);
  // What an operator sees: `berth admin storage-moves`.
  const metadataUrl = await testMetadataUrl(server.dataDir);
  const listed = await runScript(
    CLI,
    ['admin', '--data-dir', server.dataDir, 'storage-moves', 'list', '--json'],
    metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {},
  );
  assert.equal(listed.code, 0, listed.stderr);
  const row = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find((r) => r.ImageDigest === image.digest);
  assert.deepEqual(row && [row.Repository, row.TargetStorageClass, row.BlobsMoved, row.Blobs, row.Node], [
    `${accountId}/${name}`,
    'STANDARD',
    1,
    2,
    'other-node',
  ]);
  release();
  assert.equal(await running, 1);
  assert.equal(await statusOf(name, image.digest), 'ACTIVE');
  assert.equal(await store.archive.move(repository.id, image.digest), undefined);
  assert.ok(existsSync(blobFile('storage', image.layers[0]!.digest)));
  assert.equal(existsSync(blobFile('archive', image.layers[0]!.digest)), false);
  assert.equal((await fetch(`${server.url}/v2/${name}/manifests/v1`, { headers: { authorization } })).status, 200);
});
