// Replication across three deployments on loopback, with real clients: us-east-1 (the source)
// replicates e2e/ to eu-west-1 (a `berth serve` child, same account's peer key) and to a second
// account in eu-central-1 (cross-account: its registry policy must grant ecr:ReplicateImage).
// skopeo pushes a multi-arch index with a signature referrer; the AWS CLI v2 sees FAILED with the
// reason for the second account until its policy is there, then COMPLETE for both; the images
// are byte-identical at both destinations with their REPLICATION templates applied. Then the
// eu-west-1 deployment is SIGKILLed mid-transfer of a large blob, restarted, and the
// replication completes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { fetchAuthorization } from '../client/authorization.js';
import type { Descriptor } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { runProgram } from '../testing/cli.js';
import { ecrClient } from '../testing/ecr.js';
import { OciLayout } from '../testing/oci-layout.js';
import { startBerth, TEST_ADMIN, type TestBerth, tempDir, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, hasTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

const B = '888877776666';
const SOURCE_KEY = { accessKeyId: 'AKIAREPLICATEEAST567', secretAccessKey: 'replicate-east-e2e-secret-0123456789' };
const MiB = 1024 * 1024;

let west: ServedBerth;
let central: TestBerth;
let east: TestBerth;
let gate: Server;
let gateUrl: string;
let layout: OciLayout;
let index: Descriptor;
let signature: Descriptor;
let big: Descriptor;
let westClient: ECRClient;
let bClient: ECRClient;
let westAccount: string;
const scratch: string[] = [];
const skip = !hasTool('skopeo') || !hasTool(AWS_CLI);
let westAuth: Record<string, string> = {};

/** skopeo logs in at eu-west-1 with a password from GetAuthorizationToken signed for that region. */
async function loginWest(): Promise<void> {
  const { password } = await fetchAuthorization({ endpoint: west.url, region: 'eu-west-1', credentials: TEST_ADMIN });
  westAuth = { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` };
  await skopeo(['login', '--tls-verify=false', '--username', 'AWS', '--password-stdin', west.host], {
    input: password,
  });
}

// In front of eu-west-1: once armed, holds the PATCH numbered `stallAt` (counting from arming)
// and tells `stalled`; the test kills the deployment behind it meanwhile.
let armed = false;
let patchesSinceArmed = 0;
const stallAt = 4;
let stalled: () => void = () => {};
const stalledOnce = new Promise<void>((resolve) => {
  stalled = resolve;
});

before(async () => {
  if (skip) return;
  layout = new OciLayout(tempDir('berth-e2e-layout-'));
  index = layout.addIndex(
    [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ],
    [4 * 1024, 64 * 1024],
  );
  layout.tag(index, 'multi');
  // A signature of the index: an artifact manifest whose subject is it.
  const empty = layout.addBlob(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })),
    MediaTypes.ociConfig,
  );
  const payload = layout.addBlob(randomBytes(128), 'application/vnd.oci.image.layer.v1.tar');
  const { platform: _p, ...subject } = index;
  const signatureManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: empty,
    layers: [payload],
    subject,
  };
  signature = layout.addBlob(Buffer.from(JSON.stringify(signatureManifest)), MediaTypes.ociManifest);
  layout.tag(signature, 'sig');
  big = layout.addImage([16 * MiB]);
  layout.tag(big, 'big');

  west = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam', BERTH_REGISTRY_REGION: 'eu-west-1' });
  const westPort = west.port;
  gate = createServer((req, res) => {
    if (req.method === 'PATCH' && armed && ++patchesSinceArmed === stallAt) {
      stalled();
      req.socket.setTimeout(5_000, () => req.socket.destroy());
      return;
    }
    const forward = request(
      { host: '127.0.0.1', port: westPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;

  central = await startBerth({
    settings: { auth: { mode: 'iam' }, registry: { region: 'eu-central-1' }, accounts: { hosts: { localhost: B } } },
  });
  east = await startBerth({
    settings: {
      registry: { region: 'us-east-1' },
      replication: {
        pollMilliseconds: 100,
        chunkMebibytes: 1,
        maxAttempts: 12,
        peers: [
          { region: 'eu-west-1', endpoint: gateUrl, ...TEST_ADMIN },
          { region: 'eu-central-1', endpoint: central.url, ...SOURCE_KEY },
        ],
      },
    },
  });
  const source = east.berth.accountId;
  // eu-central-1: the source account's identity (the peer key) and the second account B.
  await central.berth.identities.createAccount(source);
  await central.berth.identities.createAccessKey((await central.berth.identities.root(source)).id, SOURCE_KEY);
  await central.berth.identities.createAccount(B);
  const bKey = await central.berth.identities.createAccessKeyFor(B);
  bClient = new ECRClient({ endpoint: central.url, region: 'eu-central-1', credentials: bKey, maxAttempts: 1 });
  westClient = new ECRClient({ endpoint: west.url, region: 'eu-west-1', credentials: TEST_ADMIN, maxAttempts: 2 });
  westAccount = (await westClient.send(new DescribeRegistryCommand({}))).registryId as string;
  for (const client of [westClient, bClient])
    await client.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'e2e/',
        appliedFor: ['REPLICATION'],
        imageTagMutability: 'IMMUTABLE',
      }),
    );
  const eastClient = ecrClient(east.url);
  await eastClient.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: {
        rules: [
          {
            destinations: [
              { region: 'eu-west-1', registryId: westAccount },
              { region: 'eu-central-1', registryId: B },
            ],
            repositoryFilters: [{ filter: 'e2e/', filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    }),
  );
  eastClient.destroy();
  await loginWest();
});

after(async () => {
  westClient?.destroy();
  bClient?.destroy();
  await east?.close();
  await central?.close();
  if (gate) await new Promise((resolve) => gate.close(resolve));
  await west?.close();
  for (const dir of [layout?.dir, ...scratch]) if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Status {
  region: string;
  registryId: string;
  status: string;
  failureCode?: string;
}

/** DescribeImageReplicationStatus through the AWS CLI v2, by region. */
async function statuses(repository: string, imageId: string): Promise<Map<string, Status>> {
  const res = await runProgram(
    AWS_CLI,
    [
      'ecr',
      'describe-image-replication-status',
      '--repository-name',
      repository,
      '--image-id',
      imageId,
      '--endpoint-url',
      east.url,
      '--region',
      'us-east-1',
      '--output',
      'json',
    ],
    { ...ADMIN_ENV, AWS_PAGER: '' },
  );
  assert.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout) as { replicationStatuses: Status[] };
  return new Map(out.replicationStatuses.map((s) => [s.region, s]));
}

/** Waits until no destination of the image is IN_PROGRESS; the statuses then. */
async function settled(repository: string, imageId: string, ms = 30_000): Promise<Map<string, Status>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await statuses(repository, imageId);
    if (now.size > 0 && [...now.values()].every((s) => s.status !== 'IN_PROGRESS')) return now;
    if (Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const push = (ref: string, to: string) =>
  skopeo(['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}:${ref}`, to]);

test('three deployments: an index and its signature replicate byte-identical; cross-account waits for the registry policy; a killed destination catches up', {
  skip: skip && 'needs skopeo and the AWS CLI v2',
}, async () => {
  const source = `docker://127.0.0.1:${new URL(east.url).port}/e2e/app`;
  await push('multi', `${source}:multi`);
  await push('sig', `${source}:sig`);

  let multi = await settled('e2e/app', 'imageTag=multi');
  assert.equal(multi.get('eu-west-1')?.status, 'COMPLETE', JSON.stringify([...multi.values()]));
  assert.equal(multi.get('eu-central-1')?.status, 'FAILED');
  assert.match(multi.get('eu-central-1')?.failureCode ?? '', /REPLICATION_ACCESS_DENIED.*ecr:ReplicateImage/);

  // B lets the source account replicate into it; the same pushes again replicate.
  await bClient.send(
    new PutRegistryPolicyCommand({
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${east.berth.accountId}:root` },
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
            Resource: `arn:aws:ecr:eu-central-1:${B}:repository/*`,
          },
        ],
      }),
    }),
  );
  await push('multi', `${source}:multi`);
  await push('sig', `${source}:sig`);
  multi = await settled('e2e/app', 'imageTag=multi');
  assert.deepEqual(
    [...multi.values()].map((s) => [s.region, s.registryId, s.status]),
    [
      ['eu-central-1', B, 'COMPLETE'],
      ['eu-west-1', westAccount, 'COMPLETE'],
    ],
  );
  assert.equal((await settled('e2e/app', 'imageTag=sig')).get('eu-central-1')?.status, 'COMPLETE');

  // Byte-identical: skopeo pulls the whole index from eu-west-1 (digests checked) as pushed.
  const out = tempDir('berth-e2e-out-');
  scratch.push(out);
  const westRef = `docker://${west.host}/e2e/app`;
  await skopeo([
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    `${westRef}:multi`,
    `oci:${out}:multi`,
  ]);
  const raw = (await skopeo(['inspect', '--raw', '--tls-verify=false', `${westRef}:multi`])).stdout;
  assert.equal(raw, layout.readBlob(index.digest).toString('utf8'));
  const referrers = await fetch(`${west.url}/v2/e2e/app/referrers/${index.digest}`, { headers: westAuth });
  assert.deepEqual(
    ((await referrers.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
    [signature.digest],
  );
  // And in B, every manifest as pushed.
  const children = (JSON.parse(raw) as { manifests: Descriptor[] }).manifests;
  const got = await bClient.send(
    new BatchGetImageCommand({
      repositoryName: 'e2e/app',
      imageIds: [index, signature, ...children].map((d) => ({ imageDigest: d.digest })),
      acceptedMediaTypes: [MediaTypes.ociIndex, MediaTypes.ociManifest],
    }),
  );
  assert.equal(got.images?.length, 4);
  for (const image of got.images ?? [])
    assert.equal(image.imageManifest, layout.readBlob(image.imageId?.imageDigest as string).toString('utf8'));
  // The REPLICATION templates made the repositories at both destinations.
  for (const client of [westClient, bClient]) {
    const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ['e2e/app'] }));
    assert.equal(described.repositories?.[0]?.imageTagMutability, 'IMMUTABLE');
  }

  // A large blob: eu-west-1 is killed while it comes in, and started again.
  armed = true;
  await push('big', `${source}:big`);
  await stalledOnce;
  assert.deepEqual((await west.stop('SIGKILL')).signal, 'SIGKILL');
  await west.start();
  const done = await settled('e2e/app', 'imageTag=big', 40_000);
  assert.equal(done.get('eu-west-1')?.status, 'COMPLETE', JSON.stringify([...done.values()]));
  assert.equal(done.get('eu-central-1')?.status, 'COMPLETE');
  await loginWest();
  const inspected = JSON.parse(
    (await skopeo(['inspect', '--tls-verify=false', `docker://${west.host}/e2e/app:big`])).stdout,
  ) as { Digest: string; Layers: string[] };
  assert.equal(inspected.Digest, big.digest);
  const layers = (JSON.parse(layout.readBlob(big.digest).toString('utf8')) as { layers: Descriptor[] }).layers;
  assert.deepEqual(
    inspected.Layers,
    layers.map((l) => l.digest),
  );
  const blob = await fetch(`${west.url}/v2/e2e/app/blobs/${layers[0]?.digest}`, { headers: westAuth });
  assert.equal(blob.status, 200);
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), layout.readBlob(layers[0]?.digest as string));
});
