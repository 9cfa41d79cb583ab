// Replication between two deployments (regions) on loopback: us-east-1 names eu-west-1 as a peer
// (its endpoint and an access key there); a push in us-east-1 reaches eu-west-1 over the registry
// protocol (manifest, blobs, tag, and a referrer of the image), and the AWS CLI v2 sees
// DescribeImageReplicationStatus reach COMPLETE. A peer that refuses the key fails the
// replication with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  DescribeImageReplicationStatusCommand,
  ECRClient,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { MediaTypes } from '../../domain/media-types.js';
import { runProgram } from '../../testing/cli.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { apiPushImage, apiPushIndex, sha256 } from '../../testing/ecr.js';
import { secretsClient } from '../../testing/secrets.js';
import { startBerth, TEST_ADMIN, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let west: TestBerth;
let south: TestBerth;
let east: TestBerth;
let eastClient: ECRClient;
let westClient: ECRClient;

before(async () => {
  west = await startBerth({ settings: { auth: { mode: 'iam' }, registry: { region: 'eu-west-1' } } });
  south = await startBerth({ settings: { auth: { mode: 'iam' }, registry: { region: 'ap-south-1' } } });
  east = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      registry: { region: 'us-east-1' },
      replication: {
        pollMilliseconds: 60_000,
        peers: [
          { region: 'eu-west-1', endpoint: west.url, ...TEST_ADMIN },
          // A peer whose key is wrong.
          {
            region: 'eu-north-1',
            endpoint: west.url,
            accessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
            secretAccessKey: 'wrong-secret-wrong-secret',
          },
          // A peer whose key is kept sealed in a Secrets Manager secret (made in a test below).
          { region: 'ap-south-1', endpoint: south.url, credentialsSecret: 'replication/ap-south-1' },
        ],
      },
    },
  });
  eastClient = ecrClient(east.url);
  westClient = new ECRClient({
    endpoint: west.url,
    region: 'eu-west-1',
    credentials: { ...TEST_ADMIN },
    maxAttempts: 1,
  });
});
after(async () => {
  eastClient.destroy();
  westClient.destroy();
  await east?.close();
  await west?.close();
  await south?.close();
});

async function aws(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', east.url, '--region', 'us-east-1', '--output', 'json'],
    {
      ...ADMIN_ENV,
    },
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

describe('replication to a peer deployment', () => {
  test('a push reaches the peer with its blobs, tag and referrer; the AWS CLI sees COMPLETE', async (t) => {
    if (!requireAwsCli(t)) return;
    const westAccount = west.berth.accountId;
    const config = {
      rules: [
        {
          destinations: [{ region: 'eu-west-1', registryId: westAccount }],
          repositoryFilters: [{ filter: 'global/', filterType: 'PREFIX_MATCH' }],
        },
      ],
    };
    const registry = await RegistryHttp.login(east.url, eastClient);
    const image = await registry.image('global/app');
    assert.equal((await registry.putManifest('global/app', 'v1', image.bytes)).status, 201);
    // A signature-like referrer of the image.
    const config2 = await registry.blob('global/app', Buffer.from('{}'));
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/vnd.example.signature',
        config: { ...config2, mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ ...config2, mediaType: 'application/vnd.oci.empty.v1+json' }],
        subject: { mediaType: MediaTypes.ociManifest, digest: image.digest, size: image.bytes.length },
      }),
    );
    assert.equal((await registry.putManifest('global/app', sha256(referrer), referrer)).status, 201);

    // The rule comes after both pushes: the image's next push replicates it, and its referrer with it.
    const put = await aws([
      'ecr',
      'put-replication-configuration',
      '--replication-configuration',
      JSON.stringify(config),
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(put.json.replicationConfiguration, config);
    assert.equal((await registry.putManifest('global/app', 'v1', image.bytes)).status, 201);
    await east.berth.replication.drain();
    const status = await aws([
      'ecr',
      'describe-image-replication-status',
      '--repository-name',
      'global/app',
      '--image-id',
      'imageTag=v1',
    ]);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(status.json.replicationStatuses, [
      { region: 'eu-west-1', registryId: westAccount, status: 'COMPLETE' },
    ]);

    const got = await westClient.send(
      new BatchGetImageCommand({ repositoryName: 'global/app', imageIds: [{ imageTag: 'v1' }] }),
    );
    assert.equal(got.images?.[0]?.imageId?.imageDigest, image.digest);
    const westRegistry = await RegistryHttp.login(west.url, westClient);
    const manifest = JSON.parse(image.bytes.toString('utf8')) as { layers: { digest: string }[] };
    const layer = await westRegistry.fetch(`/v2/global/app/blobs/${manifest.layers[0]?.digest}`);
    assert.equal(layer.status, 200);
    const referrers = (await (await westRegistry.fetch(`/v2/global/app/referrers/${image.digest}`)).json()) as {
      manifests: { digest: string }[];
    };
    assert.deepEqual(
      referrers.manifests.map((m) => m.digest),
      [sha256(referrer)],
    );
  });

  test('a peer that refuses the key: FAILED with the reason', async () => {
    await eastClient.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [
            {
              destinations: [{ region: 'eu-north-1', registryId: west.berth.accountId }],
              repositoryFilters: [{ filter: 'refused/', filterType: 'PREFIX_MATCH' }],
            },
          ],
        },
      }),
    );
    const registry = await RegistryHttp.login(east.url, eastClient);
    const image = await registry.image('refused/app');
    assert.equal((await registry.putManifest('refused/app', 'v1', image.bytes)).status, 201);
    await east.berth.replication.drain();
    const out = await eastClient.send(
      new DescribeImageReplicationStatusCommand({ repositoryName: 'refused/app', imageId: { imageTag: 'v1' } }),
    );
    assert.equal(out.replicationStatuses?.[0]?.status, 'FAILED');
    assert.match(out.replicationStatuses?.[0]?.failureCode ?? '', /REPLICATION_ACCESS_DENIED/);
  });

  test('a peer key kept in a Secrets Manager secret: read when the replication starts, a bad value fails with the reason', async () => {
    await eastClient.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [
            {
              destinations: [{ region: 'ap-south-1', registryId: south.berth.accountId }],
              repositoryFilters: [{ filter: 'sealed/', filterType: 'PREFIX_MATCH' }],
            },
          ],
        },
      }),
    );
    const secrets = secretsClient(east.url, TEST_ADMIN);
    try {
      await secrets.send(new CreateSecretCommand({ Name: 'replication/ap-south-1', SecretString: 'not json' }));
      const registry = await RegistryHttp.login(east.url, eastClient);
      const bad = await registry.image('sealed/app');
      assert.equal((await registry.putManifest('sealed/app', 'v1', bad.bytes)).status, 201);
      await east.berth.replication.drain();
      const failed = await eastClient.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'sealed/app', imageId: { imageTag: 'v1' } }),
      );
      assert.equal(failed.replicationStatuses?.[0]?.status, 'FAILED');
      assert.match(failed.replicationStatuses?.[0]?.failureCode ?? '', /PEER_CREDENTIALS.*not JSON/);

      await secrets.send(
        new PutSecretValueCommand({
          SecretId: 'replication/ap-south-1',
          SecretString: JSON.stringify({
            accessKeyId: TEST_ADMIN.accessKeyId,
            secretAccessKey: TEST_ADMIN.secretAccessKey,
          }),
        }),
      );
      const good = await registry.image('sealed/app');
      assert.equal((await registry.putManifest('sealed/app', 'v2', good.bytes)).status, 201);
      await east.berth.replication.drain();
      const done = await eastClient.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'sealed/app', imageId: { imageTag: 'v2' } }),
      );
      assert.equal(done.replicationStatuses?.[0]?.status, 'COMPLETE', JSON.stringify(done.replicationStatuses));
      const southClient = new ECRClient({
        endpoint: south.url,
        region: 'ap-south-1',
        credentials: { ...TEST_ADMIN },
        maxAttempts: 1,
      });
      const got = await southClient.send(
        new BatchGetImageCommand({ repositoryName: 'sealed/app', imageIds: [{ imageTag: 'v2' }] }),
      );
      southClient.destroy();
      assert.equal(got.images?.[0]?.imageId?.imageDigest, good.digest);
    } finally {
      secrets.destroy();
    }
  });

  test("a replication whose node died mid-transfer is taken over when the node's lease ends, and completes", async () => {
    await eastClient.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [
            {
              destinations: [{ region: 'eu-west-1', registryId: west.berth.accountId }],
              repositoryFilters: [{ filter: 'resume/', filterType: 'PREFIX_MATCH' }],
            },
          ],
        },
      }),
    );
    const registry = await RegistryHttp.login(east.url, eastClient);
    const image = await registry.image('resume/app');
    assert.equal((await registry.putManifest('resume/app', 'v1', image.bytes)).status, 201);
    // A node leased it and died: its lease runs out in 500 ms.
    const now = Date.now();
    const held = await east.berth.store.replication.claim('dead-node', now, now + 500);
    assert.equal(held?.repositoryName, 'resume/app');
    assert.equal(await east.berth.replication.drain(), 0, 'leased by the dead node');
    const status = () =>
      eastClient.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'resume/app', imageId: { imageTag: 'v1' } }),
      );
    assert.equal((await status()).replicationStatuses?.[0]?.status, 'IN_PROGRESS');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await east.berth.replication.drain(), 1);
    assert.equal((await status()).replicationStatuses?.[0]?.status, 'COMPLETE');
    const got = await westClient.send(
      new BatchGetImageCommand({ repositoryName: 'resume/app', imageIds: [{ imageTag: 'v1' }] }),
    );
    assert.equal(got.images?.[0]?.imageId?.imageDigest, image.digest);
  });

  test('an index is replicated with all its children and their blobs', async () => {
    // The children are pushed before any rule names them: only the index's push replicates them.
    const amd = await apiPushImage(eastClient, 'multi/app');
    const arm = await apiPushImage(eastClient, 'multi/app');
    await eastClient.send(
      new PutReplicationConfigurationCommand({
        replicationConfiguration: {
          rules: [
            {
              destinations: [{ region: 'eu-west-1', registryId: west.berth.accountId }],
              repositoryFilters: [{ filter: 'multi/', filterType: 'PREFIX_MATCH' }],
            },
          ],
        },
      }),
    );
    const index = await apiPushIndex(eastClient, 'multi/app', [amd, arm], 'multi');
    await east.berth.replication.drain();
    const status = await eastClient.send(
      new DescribeImageReplicationStatusCommand({ repositoryName: 'multi/app', imageId: { imageTag: 'multi' } }),
    );
    assert.equal(status.replicationStatuses?.[0]?.status, 'COMPLETE', JSON.stringify(status.replicationStatuses));
    const got = await westClient.send(
      new BatchGetImageCommand({
        repositoryName: 'multi/app',
        imageIds: [{ imageTag: 'multi' }, { imageDigest: amd.digest }, { imageDigest: arm.digest }],
      }),
    );
    assert.deepEqual(
      got.images?.map((i) => i.imageId?.imageDigest).sort(),
      [index.digest, amd.digest, arm.digest].sort(),
    );
    const digests = [amd, arm].flatMap((c) => [c.config.digest, ...c.layers.map((l) => l.digest)]);
    const layers = await westClient.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: 'multi/app', layerDigests: digests }),
    );
    assert.deepEqual(
      layers.layers?.map((l) => l.layerAvailability),
      digests.map(() => 'AVAILABLE'),
    );
  });
});
