// ECR managed signing through the real HTTP surface: PutSigningConfiguration names a signing
// profile (the KMS signing key aliased by its name) and repository filters; a matching push is
// signed (DescribeImageSigningStatus COMPLETE) and the signature is a Sigstore bundle referrer,
// listed by the referrers API and verified here with @sigstore/verify and the key's public key;
// another manifest claiming it, or a changed signature, fails verification. A repository that
// requires signatures refuses an unsigned image with DENIED and serves a signed one, and stops
// serving it at once when the key is disabled or scheduled for deletion.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteSigningConfigurationCommand,
  DescribeImageSigningStatusCommand,
  type ECRClient,
  GetSigningConfigurationCommand,
  PutSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { ecrClient, RegistryHttp, refused } from '../../testing/ecr-http.js';
import { callKms } from '../../testing/kms.js';
import { SIGNING_RECOVERY_MS } from '../../registry/image-signer.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
let server: TestBerth;
let client: ECRClient;
let registry: RegistryHttp;
let keyArn: string;
let publicKeyDer: Buffer;
const profile = () => `arn:aws:signer:us-east-1:${server.berth.accountId}:/signing-profiles/release`;

async function kms(action: string, input: object): Promise<Record<string, any>> {
  const res = await callKms(server.berth.app, action, input);
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
  return res.body;
}

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  registry = await RegistryHttp.login(server.url, client);
  keyArn = (await kms('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.Arn;
  await kms('CreateAlias', { AliasName: 'alias/release', TargetKeyId: keyArn });
  publicKeyDer = Buffer.from((await kms('GetPublicKey', { KeyId: 'alias/release' })).PublicKey, 'base64');
});
after(() => server.close());

/** Sigstore's verifier with `der` trusted under the hint `keyArn`, no log or timestamp required. */
function sigstoreVerifies(bundleBytes: Buffer, artifact: Buffer, der = publicKeyDer): boolean {
  const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
  const trust = toTrustMaterial(
    {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      certificateAuthorities: [],
      ctlogs: [],
      tlogs: [],
      timestampAuthorities: [],
    },
    (hint: string) => {
      assert.equal(hint, keyArn, 'the bundle names the signing key');
      return { publicKey, validFor: () => true };
    },
  );
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  try {
    verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(bundleBytes.toString('utf8'))), artifact));
    return true;
  } catch {
    return false;
  }
}

async function signatureOf(name: string, digest: string): Promise<{ manifest: any; bundle: Buffer }> {
  const res = await registry.fetch(`/v2/${name}/referrers/${digest}?artifactType=${encodeURIComponent(BUNDLE)}`);
  assert.equal(res.status, 200);
  const index = (await res.json()) as { manifests: { digest: string; artifactType: string }[] };
  assert.equal(index.manifests.length, 1, 'one signature referrer');
  assert.equal(index.manifests[0]!.artifactType, BUNDLE);
  const manifest = await (
    await registry.fetch(`/v2/${name}/manifests/${index.manifests[0]!.digest}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).json();
  const layer = (manifest as { layers: { digest: string }[] }).layers[0]!.digest;
  const bundle = Buffer.from(await (await registry.fetch(`/v2/${name}/blobs/${layer}`)).arrayBuffer());
  return { manifest, bundle };
}

describe('managed signing', () => {
  test('a push matching a rule is signed with a Sigstore bundle that the real verifier accepts; tampering fails', async () => {
    const put = await client.send(
      new PutSigningConfigurationCommand({
        signingConfiguration: {
          rules: [
            { signingProfileArn: profile(), repositoryFilters: [{ filter: 'signed/*', filterType: 'WILDCARD_MATCH' }] },
          ],
        },
      }),
    );
    assert.equal(put.signingConfiguration?.rules?.[0]?.signingProfileArn, profile());
    const got = await client.send(new GetSigningConfigurationCommand({}));
    assert.equal(got.registryId, server.berth.accountId);
    assert.deepEqual(got.signingConfiguration, put.signingConfiguration);

    const image = await registry.push('signed/app', 'v1');
    await server.berth.signer.idle();
    const status = await client.send(
      new DescribeImageSigningStatusCommand({ repositoryName: 'signed/app', imageId: { imageTag: 'v1' } }),
    );
    assert.equal(status.imageId?.imageDigest, image.digest);
    assert.deepEqual(status.signingStatuses, [{ signingProfileArn: profile(), status: 'COMPLETE' }]);

    const { manifest, bundle } = await signatureOf('signed/app', image.digest);
    assert.equal(manifest.subject.digest, image.digest);
    assert.equal(manifest.artifactType, BUNDLE);
    assert.ok(sigstoreVerifies(bundle, image.bytes), 'the signature verifies for the image');

    // Another manifest claiming the signature fails.
    const other = await registry.image('signed/app');
    assert.equal(sigstoreVerifies(bundle, other.bytes), false, 'another manifest does not verify');
    // A modified signature fails.
    const json = JSON.parse(bundle.toString('utf8'));
    const signature = Buffer.from(json.messageSignature.signature, 'base64');
    signature[signature.length - 1]! ^= 0x01;
    json.messageSignature.signature = signature.toString('base64');
    assert.equal(
      sigstoreVerifies(Buffer.from(JSON.stringify(json)), image.bytes),
      false,
      'a changed signature does not verify',
    );
    // Another key's public key does not verify it.
    const stranger = (await kms('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.Arn;
    const strangerKey = Buffer.from((await kms('GetPublicKey', { KeyId: stranger })).PublicKey, 'base64');
    assert.equal(sigstoreVerifies(bundle, image.bytes, strangerKey), false, 'another key does not verify');

    // A repository no rule matches is not signed; the signature itself is not signed again.
    const unsigned = await registry.push('plain/app', 'v1');
    await server.berth.signer.idle();
    const none = await client.send(
      new DescribeImageSigningStatusCommand({ repositoryName: 'plain/app', imageId: { imageDigest: unsigned.digest } }),
    );
    assert.deepEqual(none.signingStatuses, []);
  });

  test('pulls of a repository that requires signatures: unsigned refused with DENIED, signed served', async () => {
    const signed = await registry.push('signed/gated', 'v1');
    await server.berth.signer.idle();
    const repository = (await server.berth.store.repositories.get(server.berth.accountId, 'signed/gated'))!;
    await server.berth.store.signing.putRequirement({
      accountId: server.berth.accountId,
      repositoryId: repository.id,
      keyArns: [keyArn],
      updatedAt: Date.now(),
    });
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    assert.equal((await registry.fetch('/v2/signed/gated/manifests/v1', { headers: accept })).status, 200);
    // An image pushed with signing off (the configuration deleted) has no signature.
    await client.send(new DeleteSigningConfigurationCommand({}));
    await registry.push('signed/gated', 'unsigned');
    await server.berth.signer.idle();
    const refusedPull = await registry.fetch('/v2/signed/gated/manifests/unsigned', { headers: accept });
    assert.equal(refusedPull.status, 403);
    const body = (await refusedPull.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]!.code, 'DENIED');
    assert.match(body.errors[0]!.message, /require a valid signature.*has no signature/);
    // ECR's BatchGetImage is gated alike.
    const batch = await client.send(
      new BatchGetImageCommand({
        repositoryName: 'signed/gated',
        imageIds: [{ imageTag: 'unsigned' }, { imageTag: 'v1' }],
      }),
    );
    assert.deepEqual(
      batch.images?.map((i) => i.imageId?.imageTag),
      ['v1'],
    );
    assert.equal(batch.failures?.[0]?.failureCode, 'ImageInaccessible');
    assert.match(batch.failures?.[0]?.failureReason ?? '', /require a valid signature/);
    // The signature referrer itself stays readable to verifiers.
    await signatureOf('signed/gated', signed.digest);
    await refused(client.send(new GetSigningConfigurationCommand({})), 'SigningConfigurationNotFoundException');
  });

  test('a profile whose key cannot sign is refused with InvalidParameterException', async () => {
    await refused(
      client.send(
        new PutSigningConfigurationCommand({
          signingConfiguration: {
            rules: [
              { signingProfileArn: `arn:aws:signer:us-east-1:${server.berth.accountId}:/signing-profiles/missing` },
            ],
          },
        }),
      ),
      'InvalidParameterException',
    );
    const symmetric = (await kms('CreateKey', {})).KeyMetadata.Arn;
    await kms('CreateAlias', { AliasName: 'alias/symmetric', TargetKeyId: symmetric });
    const err = await refused(
      client.send(
        new PutSigningConfigurationCommand({
          signingConfiguration: {
            rules: [
              { signingProfileArn: `arn:aws:signer:us-east-1:${server.berth.accountId}:/signing-profiles/symmetric` },
            ],
          },
        }),
      ),
      'InvalidParameterException',
    );
    assert.match(err.message, /InvalidKeyUsageException/);
    await refused(
      client.send(
        new DescribeImageSigningStatusCommand({ repositoryName: 'signed/app', imageId: { imageTag: 'nope' } }),
      ),
      'ImageNotFoundException',
    );
    // A signing key does not encrypt a repository.
    const kmsErr = await refused(
      client.send(
        new CreateRepositoryCommand({
          repositoryName: 'signed/encrypted',
          encryptionConfiguration: { encryptionType: 'KMS', kmsKey: keyArn },
        }),
      ),
      'KmsException',
    );
    assert.equal((kmsErr as { kmsError?: string }).kmsError, 'InvalidKeyUsageException');
  });
  test('a key disabled or scheduled for deletion stops verifying at once, though the image verified before', async () => {
    const gateKey = (await kms('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.Arn;
    await kms('CreateAlias', { AliasName: 'alias/gatekey', TargetKeyId: gateKey });
    const gateProfile = `arn:aws:signer:us-east-1:${server.berth.accountId}:/signing-profiles/gatekey`;
    await client.send(
      new PutSigningConfigurationCommand({
        signingConfiguration: {
          rules: [
            {
              signingProfileArn: gateProfile,
              repositoryFilters: [{ filter: 'keyed/*', filterType: 'WILDCARD_MATCH' }],
            },
          ],
        },
      }),
    );
    await registry.push('keyed/app', 'v1');
    await server.berth.signer.idle();
    const repository = (await server.berth.store.repositories.get(server.berth.accountId, 'keyed/app'))!;
    await server.berth.store.signing.putRequirement({
      accountId: server.berth.accountId,
      repositoryId: repository.id,
      keyArns: [gateKey],
      updatedAt: Date.now(),
    });
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    const pull = async () => {
      const res = await registry.fetch('/v2/keyed/app/manifests/v1', { headers: accept });
      const text = await res.text();
      return { status: res.status, text };
    };
    // Verified twice: the second from the gate's cache of verified images and public keys.
    assert.equal((await pull()).status, 200);
    assert.equal((await pull()).status, 200);
    await kms('DisableKey', { KeyId: gateKey });
    const disabled = await pull();
    assert.equal(disabled.status, 403, 'a disabled key verifies nothing, at once');
    assert.match(disabled.text, /none of the keys is usable/);
    await kms('EnableKey', { KeyId: gateKey });
    assert.equal((await pull()).status, 200, 'enabled again, it verifies again');
    await kms('ScheduleKeyDeletion', { KeyId: gateKey, PendingWindowInDays: 7 });
    assert.equal((await pull()).status, 403, 'a key pending deletion verifies nothing');
    await client.send(new DeleteSigningConfigurationCommand({}));
  });
  test('the signing statuses are written in the push transaction: a node stopping before signing loses nothing', async () => {
    await client.send(
      new PutSigningConfigurationCommand({
        signingConfiguration: {
          rules: [
            {
              signingProfileArn: profile(),
              repositoryFilters: [{ filter: 'durable/*', filterType: 'WILDCARD_MATCH' }],
            },
          ],
        },
      }),
    );
    // The node "stops" right after the push commits: its signing listener never hears of it.
    const listeners = server.berth.pushListeners;
    const at = listeners.indexOf(server.berth.signer);
    assert.ok(at >= 0);
    listeners.splice(at, 1);
    let image: Awaited<ReturnType<RegistryHttp['push']>>;
    try {
      image = await registry.push('durable/app', 'v1');
    } finally {
      listeners.splice(at, 0, server.berth.signer);
    }
    const status = () =>
      client.send(
        new DescribeImageSigningStatusCommand({ repositoryName: 'durable/app', imageId: { imageTag: 'v1' } }),
      );
    assert.deepEqual((await status()).signingStatuses, [{ signingProfileArn: profile(), status: 'IN_PROGRESS' }]);
    // The recovery job (any node, once the signing is overdue) signs it.
    assert.equal(await server.berth.signer.recover(Date.now() + SIGNING_RECOVERY_MS + 1), 1);
    assert.deepEqual((await status()).signingStatuses, [{ signingProfileArn: profile(), status: 'COMPLETE' }]);
    const { bundle } = await signatureOf('durable/app', image.digest);
    assert.ok(sigstoreVerifies(bundle, image.bytes), 'the recovered signature verifies');
    await client.send(new DeleteSigningConfigurationCommand({}));
  });
});
