// What the destination deployment checks when a peer replicates into one of its accounts: the
// replicating push names itself (Berth-Replication), is signed in with an identity of the source
// account there, and is authorized as ecr:ReplicateImage, so without the destination registry's
// policy the replication is FAILED with the reason; with it, the repository is created with the
// REPLICATION creation template of the destination account. A blob the destination has in
// another repository is mounted, not sent again. A push that only adds the header gains nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeImageReplicationStatusCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { MediaTypes } from '../../domain/media-types.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { sha256 } from '../../testing/ecr.js';
import { type RecordingProxy, recordingProxy } from '../../testing/recording-proxy.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const B = '555566667777';
// The key of the source account's identity at the peer (made there once the source's account is known).
const SOURCE_KEY = { accessKeyId: 'AKIAREPLICATEEAST234', secretAccessKey: 'replicate-east-secret-0123456789' };

let west: TestBerth;
let east: TestBerth;
let proxy: RecordingProxy;
let eastClient: ECRClient;
let bClient: ECRClient;
let source: string;

before(async () => {
  // localhost is B's registry host there (127.0.0.1 the default account's).
  west = await startBerth({
    settings: { auth: { mode: 'iam' }, registry: { region: 'eu-west-1' }, accounts: { hosts: { localhost: B } } },
  });
  proxy = await recordingProxy(west.url);
  east = await startBerth({
    settings: {
      auth: { mode: 'iam' },
      registry: { region: 'us-east-1' },
      replication: {
        pollMilliseconds: 60_000,
        peers: [{ region: 'eu-west-1', endpoint: proxy.url, ...SOURCE_KEY }],
      },
    },
  });
  source = east.berth.accountId;
  // In eu-west-1: the source account (with the key east signs in with) and the destination account B.
  await west.berth.identities.createAccount(source);
  await west.berth.identities.createAccessKey((await west.berth.identities.root(source)).id, SOURCE_KEY);
  await west.berth.identities.createAccount(B);
  const bKey = await west.berth.identities.createAccessKeyFor(B);
  bClient = new ECRClient({ endpoint: west.url, region: 'eu-west-1', credentials: bKey, maxAttempts: 1 });
  eastClient = ecrClient(east.url);
  await eastClient.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [
          {
            destinations: [{ region: 'eu-west-1', registryId: B }],
            repositoryFilters: [{ filter: 'peer/', filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    }),
  );
  await bClient.send(
    new CreateRepositoryCreationTemplateCommand({
      prefix: 'peer/',
      appliedFor: ['REPLICATION'],
      imageTagMutability: 'IMMUTABLE',
      resourceTags: [{ Key: 'replicated-from', Value: 'us-east-1' }],
    }),
  );
});
after(async () => {
  eastClient.destroy();
  bClient.destroy();
  await east?.close();
  await proxy?.close();
  await west?.close();
});

const status = async (repositoryName: string, imageTag: string) =>
  (await eastClient.send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId: { imageTag } })))
    .replicationStatuses?.[0];

/** An image at east whose layer is `layer`, with a config of its own. */
async function pushImage(registry: RegistryHttp, name: string, tag: string, layer: Buffer) {
  const config = await registry.blob(
    name,
    Buffer.from(JSON.stringify({ os: 'linux', n: randomBytes(4).toString('hex') })),
  );
  const layerDescriptor = {
    ...(await registry.blob(name, layer)),
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
  };
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layerDescriptor] }),
  );
  const res = await registry.putManifest(name, tag, bytes);
  assert.equal(res.status, 201, await res.text());
  return { bytes, digest: sha256(bytes), layerDigest: layerDescriptor.digest };
}

describe('a peer replicating into another account', () => {
  const shared = randomBytes(256 * 1024);

  test("FAILED with the reason until the destination's registry policy grants ecr:ReplicateImage; then the REPLICATION template applies", async () => {
    const registry = await RegistryHttp.login(east.url, eastClient);
    const first = await pushImage(registry, 'peer/app', 'v1', shared);
    await east.berth.replication.drain();
    const denied = await status('peer/app', 'v1');
    assert.equal(denied?.status, 'FAILED');
    assert.match(denied?.failureCode ?? '', /REPLICATION_ACCESS_DENIED.*ecr:ReplicateImage/);
    const describeB = () => bClient.send(new DescribeRepositoriesCommand({}));
    assert.deepEqual((await describeB()).repositories ?? [], [], 'nothing was created in B');

    await bClient.send(
      new PutRegistryPolicyCommand({
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ReplicationFromUsEast1',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${source}:root` },
              Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
              Resource: `arn:aws:ecr:eu-west-1:${B}:repository/*`,
            },
          ],
        }),
      }),
    );
    assert.equal((await registry.putManifest('peer/app', 'v1', first.bytes)).status, 201);
    await east.berth.replication.drain();
    assert.equal((await status('peer/app', 'v1'))?.status, 'COMPLETE');
    const got = await bClient.send(
      new BatchGetImageCommand({ repositoryName: 'peer/app', imageIds: [{ imageTag: 'v1' }] }),
    );
    assert.equal(got.images?.[0]?.imageId?.imageDigest, first.digest);
    assert.equal(got.images?.[0]?.imageManifest, first.bytes.toString('utf8'), 'byte-identical');
    const [repository] = (await describeB()).repositories ?? [];
    assert.equal(repository?.repositoryName, 'peer/app');
    assert.equal(repository?.imageTagMutability, 'IMMUTABLE', "the REPLICATION template's setting");
    const tags = await bClient.send(new ListTagsForResourceCommand({ resourceArn: repository?.repositoryArn }));
    assert.deepEqual(tags.tags, [{ Key: 'replicated-from', Value: 'us-east-1' }]);
  });

  test('a blob the destination has in another repository is mounted, not sent again', async () => {
    const registry = await RegistryHttp.login(east.url, eastClient);
    const before = proxy.exchanges.length;
    const second = await pushImage(registry, 'peer/other', 'v1', shared);
    await east.berth.replication.drain();
    assert.equal((await status('peer/other', 'v1'))?.status, 'COMPLETE');
    const sent = proxy.exchanges.slice(before);
    const mount = sent.find(
      (e) => e.method === 'POST' && e.url.includes(`mount=${encodeURIComponent(second.layerDigest)}`),
    );
    assert.equal(mount?.status, 201, 'the shared layer was mounted from peer/app');
    assert.ok(
      !sent.some(
        (e) =>
          (e.method === 'PATCH' || e.method === 'PUT') &&
          e.url.includes('/peer/other/blobs/uploads/') &&
          e.url.includes(encodeURIComponent(second.layerDigest)),
      ),
      'and never uploaded',
    );
    const bRegistry = await RegistryHttp.login(west.url.replace('127.0.0.1', 'localhost'), bClient);
    const layer = await bRegistry.fetch(`/v2/peer/other/blobs/${second.layerDigest}`);
    assert.equal(layer.status, 200);
    assert.deepEqual(Buffer.from(await layer.arrayBuffer()), shared);
  });

  test('a push that adds the replication header without a grant of ecr:ReplicateImage is refused', async () => {
    // B's CI user may push, not replicate.
    await west.berth.identities.createUser(B, 'ci');
    await west.berth.userPolicies.putUserPolicy(
      B,
      'ci',
      'push',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'ecr:GetAuthorizationToken',
              'ecr:BatchCheckLayerAvailability',
              'ecr:InitiateLayerUpload',
              'ecr:UploadLayerPart',
              'ecr:CompleteLayerUpload',
              'ecr:PutImage',
              'ecr:CreateRepository',
            ],
            Resource: '*',
          },
        ],
      }),
    );
    const ciKey = await west.berth.identities.createAccessKeyFor(B, 'ci');
    const ciClient = new ECRClient({ endpoint: west.url, region: 'eu-west-1', credentials: ciKey, maxAttempts: 1 });
    try {
      const ci = await RegistryHttp.login(west.url.replace('127.0.0.1', 'localhost'), ciClient);
      const data = randomBytes(32);
      const upload = (headers: Record<string, string>) =>
        ci.fetch(`/v2/peer/ci/blobs/uploads/?digest=${sha256(data)}`, { method: 'POST', headers, body: data });
      const claimed = await upload({ 'berth-replication': `registry=${B}; source-region=us-east-1` });
      assert.equal(claimed.status, 403);
      assert.equal(((await claimed.json()) as { errors: { code: string }[] }).errors[0]?.code, 'DENIED');
      const malformed = await upload({ 'berth-replication': 'registry=me' });
      assert.equal(malformed.status, 403);
      const anonymous = await fetch(`${west.url}/v2/peer/ci/blobs/uploads/`, {
        method: 'POST',
        headers: { 'berth-replication': `registry=${B}; source-region=us-east-1` },
      });
      assert.equal(anonymous.status, 401);
      const ordinary = await upload({});
      assert.equal(ordinary.status, 201, `an ordinary push: ${await ordinary.text()}`);
    } finally {
      ciClient.destroy();
    }
  });
});
