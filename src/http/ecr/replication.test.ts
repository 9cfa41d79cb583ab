// ECR replication on the API through the real AWS SDK: PutReplicationConfiguration validated
// against this deployment's region and peers and shown by DescribeRegistry, and a push enqueueing
// one replication per destination its rules' filters select (DescribeImageReplicationStatus).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  DescribeImageReplicationStatusCommand,
  PutRegistryPolicyCommand,
  DescribeRegistryCommand,
  PutReplicationConfigurationCommand,
  type ECRClient,
  type ReplicationRule,
} from '@aws-sdk/client-ecr';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { rejectsWith } from '../../testing/ecr.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let client: ECRClient;
let account: string;

before(async () => {
  server = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      // A peer nobody listens at: the replications it gets stay IN_PROGRESS or fail, never COMPLETE.
      replication: { peers: [{ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' }], pollMilliseconds: 60_000 },
    },
  });
  client = ecrClient(server.url);
  account = server.berth.accountId;
});
after(async () => {
  client.destroy();
  await server.close();
});

const put = (rules: ReplicationRule[]) =>
  client.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules } }));

describe('PutReplicationConfiguration', () => {
  test('stores the rules, DescribeRegistry shows them, and an empty list removes them', async () => {
    const rules: ReplicationRule[] = [
      {
        destinations: [{ region: 'eu-west-1', registryId: account }],
        repositoryFilters: [{ filter: 'prod', filterType: 'PREFIX_MATCH' }],
      },
      { destinations: [{ region: 'us-east-1', registryId: '210987654321' }] },
    ];
    const out = await put(rules);
    assert.deepEqual(out.replicationConfiguration, { rules });
    const described = await client.send(new DescribeRegistryCommand({}));
    assert.deepEqual(described.replicationConfiguration, { rules });
    await put([]);
    assert.deepEqual((await client.send(new DescribeRegistryCommand({}))).replicationConfiguration, { rules: [] });
  });

  test("refuses the source registry itself, a region that is neither this deployment's nor a peer's, and too many destinations", async () => {
    await rejectsWith(
      put([{ destinations: [{ region: 'us-east-1', registryId: account }] }]),
      'InvalidParameterException',
    );
    await rejectsWith(
      put([{ destinations: [{ region: 'ap-south-1', registryId: account }] }]),
      'InvalidParameterException',
    );
    await rejectsWith(
      put([{ destinations: [{ region: 'eu-west-1', registryId: account }], repositoryFilters: [] }]),
      'InvalidParameterException',
    );
    const many = Array.from({ length: 26 }, (_, i) => ({
      region: 'us-east-1',
      registryId: String(300_000_000_000 + i),
    }));
    await rejectsWith(put([{ destinations: many }]), 'ValidationException');
    const rules11 = Array.from({ length: 11 }, () => ({
      destinations: [{ region: 'eu-west-1', registryId: account }],
    }));
    await rejectsWith(put(rules11), 'InvalidParameterException');
    assert.deepEqual((await client.send(new DescribeRegistryCommand({}))).replicationConfiguration, { rules: [] });
  });
});

describe('a push enqueues its replications', () => {
  test('one per destination of the rules whose filters match, shown IN_PROGRESS per destination', async () => {
    await put([
      {
        destinations: [{ region: 'eu-west-1', registryId: account }],
        repositoryFilters: [{ filter: 'prod/', filterType: 'PREFIX_MATCH' }],
      },
      {
        destinations: [{ region: 'eu-west-1', registryId: '210987654321' }],
        repositoryFilters: [{ filter: 'dev/', filterType: 'PREFIX_MATCH' }],
      },
    ]);
    try {
      const registry = await RegistryHttp.login(server.url, client);
      const image = await registry.image('prod/app');
      assert.equal((await registry.putManifest('prod/app', 'v1', image.bytes)).status, 201);
      const status = await client.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'prod/app', imageId: { imageTag: 'v1' } }),
      );
      assert.deepEqual(status.imageId, { imageDigest: image.digest, imageTag: 'v1' });
      assert.equal(status.replicationStatuses?.length, 1, JSON.stringify(status.replicationStatuses));
      assert.equal(status.replicationStatuses?.[0]?.region, 'eu-west-1');
      assert.equal(status.replicationStatuses?.[0]?.registryId, account);
      assert.ok(['IN_PROGRESS', 'FAILED'].includes(status.replicationStatuses?.[0]?.status ?? ''));

      const other = await registry.image('other/app');
      assert.equal((await registry.putManifest('other/app', 'v1', other.bytes)).status, 201);
      const none = await client.send(
        new DescribeImageReplicationStatusCommand({
          repositoryName: 'other/app',
          imageId: { imageDigest: other.digest },
        }),
      );
      assert.deepEqual(none.replicationStatuses, [], 'no rule selects other/');
    } finally {
      await put([]);
    }
  });
});

describe('replication to another account of this deployment', () => {
  test("fails with the reason until the destination's registry policy allows it, then the image and its tag are there", async () => {
    const B = '444455556666';
    await server.berth.identities.createAccount(B);
    const bKey = await server.berth.identities.createAccessKeyFor(B);
    const clientB = ecrClient(server.url, bKey);
    await put([
      {
        destinations: [{ region: 'us-east-1', registryId: B }],
        repositoryFilters: [{ filter: 'cross/', filterType: 'PREFIX_MATCH' }],
      },
    ]);
    try {
      const registry = await RegistryHttp.login(server.url, client);
      const image = await registry.image('cross/app');
      assert.equal((await registry.putManifest('cross/app', 'v1', image.bytes)).status, 201);
      await server.berth.replication.drain();
      const denied = await client.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'cross/app', imageId: { imageTag: 'v1' } }),
      );
      assert.equal(denied.replicationStatuses?.length, 1);
      assert.equal(denied.replicationStatuses?.[0]?.status, 'FAILED');
      assert.match(denied.replicationStatuses?.[0]?.failureCode ?? '', /REPLICATION_ACCESS_DENIED.*ecr:ReplicateImage/);
      await rejectsWith(
        clientB.send(new BatchGetImageCommand({ repositoryName: 'cross/app', imageIds: [{ imageTag: 'v1' }] })),
        'RepositoryNotFoundException',
      );

      await clientB.send(
        new PutRegistryPolicyCommand({
          policyText: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ReplicationFromA',
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${account}:root` },
                Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
                Resource: `arn:aws:ecr:us-east-1:${B}:repository/*`,
              },
            ],
          }),
        }),
      );
      // B replicates on to C, but not what it got by replication (ECR does not chain).
      await clientB.send(
        new PutReplicationConfigurationCommand({
          replicationConfiguration: {
            rules: [{ destinations: [{ region: 'us-east-1', registryId: '777788889999' }] }],
          },
        }),
      );
      // A push of the same image under another tag replicates again (and moves that tag there).
      assert.equal((await registry.putManifest('cross/app', 'v2', image.bytes)).status, 201);
      await server.berth.replication.drain();
      const done = await client.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'cross/app', imageId: { imageTag: 'v2' } }),
      );
      assert.deepEqual(
        done.replicationStatuses?.map((s) => [s.region, s.registryId, s.status, s.failureCode]),
        [['us-east-1', B, 'COMPLETE', undefined]],
      );
      const got = await clientB.send(
        new BatchGetImageCommand({ repositoryName: 'cross/app', imageIds: [{ imageTag: 'v2' }] }),
      );
      assert.equal(got.images?.[0]?.imageId?.imageDigest, image.digest);
      assert.equal(got.images?.[0]?.imageManifest, image.bytes.toString('utf8'));
      const chained = await clientB.send(
        new DescribeImageReplicationStatusCommand({ repositoryName: 'cross/app', imageId: { imageTag: 'v2' } }),
      );
      assert.deepEqual(chained.replicationStatuses, [], 'a replica is not replicated on');
      // Its blobs came along.
      const manifest = JSON.parse(image.bytes.toString('utf8')) as {
        config: { digest: string };
        layers: { digest: string }[];
      };
      const digests = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
      const layers = await clientB.send(
        new BatchCheckLayerAvailabilityCommand({ repositoryName: 'cross/app', layerDigests: digests }),
      );
      assert.deepEqual(
        layers.layers?.map((l) => l.layerAvailability),
        digests.map(() => 'AVAILABLE'),
      );
    } finally {
      clientB.destroy();
      await put([]);
    }
  });
});
