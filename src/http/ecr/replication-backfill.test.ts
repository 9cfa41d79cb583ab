// Replication beyond ECR's rules: tag filters from the configuration file (a tagged push
// replicates only its matching tags, and nothing when none match; a push by digest always does),
// and a backfill that replicates images pushed before their rule existed (berth replication
// backfill). Same-deployment cross-account replication, so the copies can be read back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BatchGetImageCommand,
  DescribeImageReplicationStatusCommand,
  type ECRClient,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { backfillReplication } from '../../registry/replication-backfill.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const B = '333344445555';
let server: TestBerth;
let client: ECRClient;
let clientB: ECRClient;
let account: string;

before(async () => {
  server = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      replication: {
        pollMilliseconds: 60_000,
        tagFilters: [{ repositoryPrefix: 'filtered/', tags: ['release-*', 'stable'] }],
      },
    },
  });
  account = server.berth.accountId;
  client = ecrClient(server.url);
  await server.berth.identities.createAccount(B);
  clientB = ecrClient(server.url, await server.berth.identities.createAccessKeyFor(B));
  await clientB.send(
    new PutRegistryPolicyCommand({
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
            Resource: `arn:aws:ecr:us-east-1:${B}:repository/*`,
          },
        ],
      }),
    }),
  );
});
after(async () => {
  client.destroy();
  clientB.destroy();
  await server.close();
});

const rules = (filter?: string) =>
  client.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [
          {
            destinations: [{ region: 'us-east-1', registryId: B }],
            ...(filter && { repositoryFilters: [{ filter, filterType: 'PREFIX_MATCH' as const }] }),
          },
        ],
      },
    }),
  );
const statuses = async (repositoryName: string, imageId: { imageTag?: string; imageDigest?: string }) =>
  (await client.send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId }))).replicationStatuses ?? [];
const atB = async (repositoryName: string, imageTag: string) =>
  (await clientB.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag }] }))).images?.[0]?.imageId
    ?.imageDigest;

test('a tag filter replicates the matching tags of a push, nothing for a push whose tags all miss, and a push by digest always', async () => {
  await rules('filtered/');
  const registry = await RegistryHttp.login(server.url, client);
  const image = await registry.image('filtered/app');
  assert.equal((await registry.putManifest('filtered/app', 'dev-1', image.bytes)).status, 201);
  assert.deepEqual(await statuses('filtered/app', { imageTag: 'dev-1' }), [], 'no tag matches: not replicated');

  assert.equal((await registry.putManifest('filtered/app', 'release-1', image.bytes)).status, 201);
  await server.berth.replication.drain();
  assert.deepEqual(
    (await statuses('filtered/app', { imageTag: 'release-1' })).map((s) => s.status),
    ['COMPLETE'],
  );
  assert.equal(await atB('filtered/app', 'release-1'), image.digest);
  assert.equal(await atB('filtered/app', 'dev-1'), undefined, 'the tag the filter leaves out stays home');

  const loose = await registry.image('filtered/app');
  assert.equal((await registry.putManifest('filtered/app', loose.digest, loose.bytes)).status, 201);
  await server.berth.replication.drain();
  assert.deepEqual(
    (await statuses('filtered/app', { imageDigest: loose.digest })).map((s) => s.status),
    ['COMPLETE'],
    'a push by digest (a child, a signature) is not filtered',
  );
});

test('a backfill replicates the tagged images that were there before the rule, once per image and destination', async () => {
  await rules('nothing-yet/');
  const registry = await RegistryHttp.login(server.url, client);
  const one = await registry.image('old/one');
  const two = await registry.image('old/two');
  assert.equal((await registry.putManifest('old/one', 'v1', one.bytes)).status, 201);
  assert.equal((await registry.putManifest('old/two', 'v1', two.bytes)).status, 201);
  assert.equal((await registry.putManifest('old/two', 'v2', two.bytes)).status, 201);
  assert.deepEqual(await statuses('old/one', { imageTag: 'v1' }), []);

  await rules('old/');
  await assert.rejects(backfillReplication(server.berth.store, account, { rule: 2 }), /there is no rule 2/);
  const onlyOne = await backfillReplication(server.berth.store, account, { repository: 'old/one' });
  assert.deepEqual(onlyOne, { repositories: 1, images: 1, tasks: 1 });
  const all = await backfillReplication(server.berth.store, account, { rule: 1 });
  assert.deepEqual(all, { repositories: 2, images: 2, tasks: 2 }, 'old/one and old/two; nothing outside old/');
  await server.berth.replication.drain();
  assert.equal(await atB('old/one', 'v1'), one.digest);
  assert.equal(await atB('old/two', 'v1'), two.digest);
  assert.equal(await atB('old/two', 'v2'), two.digest, 'with every tag the image has');
  assert.deepEqual(
    (await statuses('old/two', { imageTag: 'v2' })).map((s) => [s.registryId, s.status]),
    [[B, 'COMPLETE']],
  );
});
