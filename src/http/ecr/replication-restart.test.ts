// A replication to a peer that broke off mid-blob keeps where it stood in its task's row (the
// upload's URL at the peer and the bytes it took), so the node that runs it after a restart (its
// memory gone) continues the blob from there instead of sending it again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  BatchCheckLayerAvailabilityCommand,
  DescribeImageReplicationStatusCommand,
  ECRClient,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { MediaTypes } from '../../domain/media-types.js';
import { type BreakingProxy, breakingProxy } from '../../testing/breaking-proxy.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { sha256 } from '../../testing/ecr.js';
import { dropPostgresDatabaseFor, testBackend } from '../../testing/postgres.js';
import { startBerth, TEST_ADMIN, type TestBerth, tempDir } from '../../testing/server.js';

const MiB = 1024 * 1024;
let west: TestBerth;
let proxy: BreakingProxy;
const dataDir = tempDir('berth-replication-restart-');

before(async () => {
  west = await startBerth({ settings: { auth: { mode: 'iam' }, registry: { region: 'eu-west-1' } } });
  proxy = await breakingProxy(west.url);
});
after(async () => {
  await proxy.close();
  await west?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
});

const startEast = () =>
  startBerth({
    dataDir,
    settings: {
      auth: { mode: 'iam' },
      registry: { region: 'us-east-1' },
      replication: {
        pollMilliseconds: 60_000,
        chunkMebibytes: 1,
        peers: [{ region: 'eu-west-1', endpoint: proxy.url, ...TEST_ADMIN }],
      },
    },
  });

test('a node restarted mid-blob continues the blob at the bytes the peer has, from the resume point in the row', async () => {
  let east = await startEast();
  const layer = randomBytes(3 * MiB + 12345);
  let digest: string;
  const client = ecrClient(east.url);
  try {
    await client.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [{ destinations: [{ region: 'eu-west-1', registryId: west.berth.accountId }] }],
        },
      }),
    );
    const registry = await RegistryHttp.login(east.url, client);
    const config = await registry.blob('big/app', Buffer.from('{"os":"linux"}'));
    const blob = { ...(await registry.blob('big/app', layer)), mediaType: 'application/vnd.oci.image.layer.v1.tar' };
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [blob] }),
    );
    digest = sha256(manifest);
    // The config goes first (one PATCH), then the layer in 1 MiB chunks: its third is cut.
    proxy.breakPatch = 4;
    assert.equal((await registry.putManifest('big/app', 'v1', manifest)).status, 201);
    await east.berth.replication.drain();
    assert.deepEqual(
      proxy.patches(),
      ['0-13', '0-1048575', '1048576-2097151', '2097152-3145727'],
      "the layer's third chunk was cut",
    );
    const [task] = await east.berth.store.replication.statuses(east.berth.accountId, 'big/app', digest);
    assert.equal(task?.status, 'IN_PROGRESS');
    assert.equal(task?.resume?.digest, blob.digest);
    assert.equal(task?.resume?.offset, 2 * MiB, 'the row says where the transfer stood');
  } finally {
    client.destroy();
    await east.close();
  }

  // The node comes back with nothing in memory.
  proxy.breakPatch = 0;
  east = await startEast();
  const again = ecrClient(east.url);
  try {
    const status = async () =>
      (
        await again.send(
          new DescribeImageReplicationStatusCommand({ repositoryName: 'big/app', imageId: { imageDigest: digest } }),
        )
      ).replicationStatuses?.[0]?.status;
    const deadline = Date.now() + 20_000;
    while ((await status()) !== 'COMPLETE' && Date.now() < deadline) {
      await east.berth.replication.drain();
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await status(), 'COMPLETE');
    assert.deepEqual(
      proxy.patches().slice(4),
      ['2097152-3145727', `3145728-${layer.length - 1}`],
      'only the rest went after the restart, not the blob from 0',
    );
    const westClient = new ECRClient({
      endpoint: west.url,
      region: 'eu-west-1',
      credentials: { ...TEST_ADMIN },
      maxAttempts: 1,
    });
    const available = await westClient.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: 'big/app', layerDigests: [sha256(layer)] }),
    );
    westClient.destroy();
    assert.equal(available.layers?.[0]?.layerAvailability, 'AVAILABLE');
    assert.equal(available.layers?.[0]?.layerSize, layer.length);
  } finally {
    again.destroy();
    await east.close();
  }
});
