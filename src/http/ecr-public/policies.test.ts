// Public repositories' policies are evaluated by the one policy engine, through the HTTP
// surface: ECR Public's SetRepositoryPolicy with ecr-public:* actions lets another account's
// user push (on the ECR Public API and over the public listener), an explicit Deny stops the
// account's own users, ecr: names grant nothing on a public repository, the lockout protection
// speaks ECR Public's names, and anonymous pulls stay allowed whatever the policy says.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import type { NewAccessKey } from '../../iam/identities.js';
import { callApi } from '../../testing/api-client.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage, sha256 } from '../../testing/public-registry.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const B = '222222222222';
const REPO = 'pol/app';
const PUSH = [
  'ecr-public:BatchCheckLayerAvailability',
  'ecr-public:InitiateLayerUpload',
  'ecr-public:UploadLayerPart',
  'ecr-public:CompleteLayerUpload',
  'ecr-public:PutImage',
];
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestBerth;
let app: FastifyInstance;
let publicUrl: string;
let A: string;
let alias: string;
let bob: NewAccessKey;
let alice: NewAccessKey;

/** Calls an ECR Public action; the status and body. */
async function call(
  action: string,
  input: object,
  credentials?: NewAccessKey,
): Promise<{ status: number; body: Record<string, any> }> {
  const res = await callApi(app, action, input, {
    target: `SpencerFrontendService.${action}`,
    service: 'ecr-public',
    ...(credentials && { credentials }),
  });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

function denied(result: { status: number; body: Record<string, any> }, action: string): void {
  assert.equal(result.status, 400, JSON.stringify(result.body));
  assert.equal(result.body.__type, 'AccessDeniedException', JSON.stringify(result.body));
  assert.match(result.body.message, new RegExp(action));
}

/** Pushes a one-layer image to A's public repository through the ECR Public API's layer actions and PutImage. */
async function pushByApi(
  credentials: NewAccessKey,
  tag: string,
): Promise<{ status: number; body: Record<string, any> }> {
  const blob = async (bytes: Buffer) => {
    const start = await call('InitiateLayerUpload', { registryId: A, repositoryName: REPO }, credentials);
    if (start.status !== 200) return start;
    const { uploadId } = start.body;
    const part = await call(
      'UploadLayerPart',
      {
        registryId: A,
        repositoryName: REPO,
        uploadId,
        partFirstByte: 0,
        partLastByte: bytes.length - 1,
        layerPartBlob: bytes.toString('base64'),
      },
      credentials,
    );
    if (part.status !== 200) return part;
    return call(
      'CompleteLayerUpload',
      { registryId: A, repositoryName: REPO, uploadId, layerDigests: [sha256(bytes)] },
      credentials,
    );
  };
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(4).toString('hex') }),
  );
  const layerBytes = randomBytes(200);
  for (const bytes of [configBytes, layerBytes]) {
    const done = await blob(bytes);
    if (done.status !== 200) return done;
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layerBytes), size: layerBytes.length },
    ],
  });
  return call('PutImage', { registryId: A, repositoryName: REPO, imageManifest: manifest, imageTag: tag }, credentials);
}

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  app = server.berth.app;
  publicUrl = server.berth.publicUrl();
  A = server.berth.accountId;
  // As AmazonElasticContainerRegistryPublicFullAccess: its token also needs sts:GetServiceBearerToken.
  const everything = policy({
    Effect: 'Allow',
    Action: ['ecr-public:*', 'ecr:*', 'sts:GetServiceBearerToken'],
    Resource: '*',
  });
  await server.berth.identities.createAccount(B);
  await server.berth.identities.createUser(B, 'bob');
  bob = await server.berth.identities.createAccessKeyFor(B, 'bob');
  await server.berth.userPolicies.putUserPolicy(B, 'bob', 'all', everything);
  await server.berth.identities.createUser(A, 'alice');
  alice = await server.berth.identities.createAccessKeyFor(A, 'alice');
  await server.berth.userPolicies.putUserPolicy(A, 'alice', 'all', everything);
  await publicApi(app, 'CreateRepository', { repositoryName: REPO });
  alias = (await publicApi(app, 'DescribeRegistries')).registries[0].aliases[0].name;
});
after(() => server.close());

describe('public repository policies', () => {
  it("another account's user may push only once the repository policy grants it ecr-public push actions", async () => {
    denied(await pushByApi(bob, 'bob-1'), 'ecr-public:InitiateLayerUpload');
    // ECR's names grant nothing on a public repository: its actions are ECR Public's.
    await publicApi(app, 'SetRepositoryPolicy', {
      repositoryName: REPO,
      policyText: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${B}:user/bob` },
        Action: PUSH.map((a) => a.replace('ecr-public:', 'ecr:')),
      }),
    });
    denied(await pushByApi(bob, 'bob-1'), 'ecr-public:InitiateLayerUpload');
    const text = policy({
      Sid: 'BobPushes',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:user/bob` },
      Action: PUSH,
    });
    await publicApi(app, 'SetRepositoryPolicy', { repositoryName: REPO, policyText: text });
    assert.equal((await publicApi(app, 'GetRepositoryPolicy', { repositoryName: REPO })).policyText, text);
    const pushed = await pushByApi(bob, 'bob-1');
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(pushed.body.image.imageId.imageTag, 'bob-1');
    // What the policy does not grant stays refused: deleting images.
    denied(
      await call('BatchDeleteImage', { registryId: A, repositoryName: REPO, imageIds: [{ imageTag: 'bob-1' }] }, bob),
      'ecr-public:BatchDeleteImage',
    );
  });

  it('the same grant lets the user push over the public listener with its registry password', async () => {
    const password = await publicPassword(app, bob);
    const token = await bearerToken(publicUrl, `repository:${alias}/${REPO}:pull,push`, password);
    const digest = await pushPublicImage(publicUrl, token, `${alias}/${REPO}`, 'bob-2');
    const described = await publicApi(app, 'DescribeImages', {
      repositoryName: REPO,
      imageIds: [{ imageTag: 'bob-2' }],
    });
    assert.equal(described.imageDetails[0].imageDigest, digest);
  });

  it("an explicit Deny blocks the account's own user, and deleting the policy lifts it", async () => {
    const ok = await pushByApi(alice, 'alice-1');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const text = policy({
      Sid: 'NoAlice',
      Effect: 'Deny',
      Principal: { AWS: `arn:aws:iam::${A}:user/alice` },
      Action: ['ecr-public:PutImage', 'ecr-public:BatchDeleteImage'],
    });
    await publicApi(app, 'SetRepositoryPolicy', { repositoryName: REPO, policyText: text });
    denied(await pushByApi(alice, 'alice-2'), 'ecr-public:PutImage');
    denied(
      await call(
        'BatchDeleteImage',
        { registryId: A, repositoryName: REPO, imageIds: [{ imageTag: 'alice-1' }] },
        alice,
      ),
      'ecr-public:BatchDeleteImage',
    );
    // Bob's grant was replaced: he is refused again.
    denied(await pushByApi(bob, 'bob-3'), 'ecr-public:InitiateLayerUpload');
    assert.equal((await publicApi(app, 'DeleteRepositoryPolicy', { repositoryName: REPO })).policyText, text);
    assert.equal((await pushByApi(alice, 'alice-2')).status, 200);
  });

  it("refuses a policy that would lock the caller out unless forced, in ECR Public's action names", async () => {
    const lockout = policy({ Sid: 'Lock', Effect: 'Deny', Principal: '*', Action: 'ecr-public:SetRepositoryPolicy' });
    const refused = await call('SetRepositoryPolicy', { repositoryName: REPO, policyText: lockout });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.__type, 'InvalidParameterException');
    assert.match(refused.body.message, /prevent you from setting it again \(statement Lock\)/);
    const malformed = await call('SetRepositoryPolicy', {
      repositoryName: REPO,
      policyText: policy({ Effect: 'Permit', Principal: '*', Action: 'ecr-public:*' }),
    });
    assert.equal(malformed.body.__type, 'InvalidParameterException');
    assert.match(malformed.body.message, /Statement\[0\]\.Effect/);
    assert.equal(
      (await call('GetRepositoryPolicy', { repositoryName: REPO })).body.__type,
      'RepositoryPolicyNotFoundException',
    );
    const missing = await call('GetRepositoryPolicy', { repositoryName: 'pol/none' });
    assert.equal(missing.body.__type, 'RepositoryNotFoundException');
    assert.match(missing.body.message, new RegExp(`registry with id '${A}'`));
  });

  it('anonymous pulls stay allowed under a policy denying everything to everyone', async () => {
    const text = policy({ Effect: 'Deny', Principal: '*', Action: ['ecr-public:*', 'ecr:*'] });
    await publicApi(app, 'SetRepositoryPolicy', { repositoryName: REPO, policyText: text, force: true });
    denied(await pushByApi(alice, 'alice-3'), 'ecr-public:InitiateLayerUpload');
    const token = await bearerToken(publicUrl, `repository:${alias}/${REPO}:pull`);
    const res = await fetch(`${publicUrl}/v2/${alias}/${REPO}/manifests/alice-2`, {
      headers: { accept: MediaTypes.ociManifest, authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { layers: { digest: string }[] };
    const blob = await fetch(`${publicUrl}/v2/${alias}/${REPO}/blobs/${body.layers[0]!.digest}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(blob.status, 200);
    assert.equal((await blob.arrayBuffer()).byteLength, 200);
  });
});
