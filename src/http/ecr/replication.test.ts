// ECR replication on the API through the real AWS SDK: PutReplicationConfiguration validated
// against this deployment's region and peers and shown by DescribeRegistry, and a push enqueueing
// one replication per destination its rules' filters select (DescribeImageReplicationStatus).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeImageReplicationStatusCommand,
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
      replication: { peers: [{ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' }] },
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
