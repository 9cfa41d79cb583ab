// The authorization matrix, continued: every action of the key service (TrentService, signed for
// kms) and of ECR Public (SpencerFrontendService, signed for ecr-public), taken from what the
// server registers so that a new action without a case fails here, against every kind of caller:
// unsigned, a wrong secret, an unknown key, an expired signature, a user of the account with no
// policy, a user allowed everything but the action, another account's root (where the action can
// name this account's resources); and a user allowed exactly the action, which must be served.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Action } from '../domain/actions.js';
import type { NewAccessKey } from '../iam/identities.js';
import { callApi } from '../testing/api-client.js';
import type { Credentials } from '../testing/aws-signer.js';
import type { Response } from '../testing/registry-client.js';
import { actionsToWalk, exception, namesDenial, requiredActions, type Face } from '../testing/authorization-walk.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';

const B = '222222222222';
let test: TestBerth;
let A: string;
const keys: Record<'nobody' | 'exact' | 'allBut' | 'otherRoot', NewAccessKey> = {} as never;
let cells = 0;

const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const rand = () => randomBytes(4).toString('hex');

async function grant(actions: Action[]): Promise<void> {
  await test.berth.userPolicies.putUserPolicy(
    A,
    'exact',
    'matrix',
    policy({ Effect: 'Allow', Action: actions, Resource: '*' }),
  );
  await test.berth.userPolicies.putUserPolicy(
    A,
    'allbut',
    'matrix',
    policy({ Effect: 'Allow', NotAction: actions, Resource: '*' }),
  );
}

interface Service {
  target: string;
  signing: string;
}
const KMS: Service = { target: 'TrentService', signing: 'kms' };
const PUBLIC: Service = { target: 'SpencerFrontendService', signing: 'ecr-public' };
const CLOUDTRAIL: Service = { target: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101', signing: 'cloudtrail' };

/** The root's call (the state a case needs); asserts it is served. */
async function root(service: Service, action: string, input: object = {}): Promise<Record<string, any>> {
  const res = await callApi(test.berth.app, action, input, {
    target: `${service.target}.${action}`,
    service: service.signing,
    credentials: TEST_ADMIN,
  });
  assert.equal(res.statusCode, 200, `${action} by the root: ${res.body}`);
  return res.json() as Record<string, any>;
}

interface ApiCase {
  input(): Promise<object>;
  /** False for actions on the caller's own account only (nothing names another account's resources). */
  crossAccount: boolean;
  /** What another account's refusal may be named, when not AccessDeniedException (the resource is not found in its account). */
  crossRefusal?: string;
  /** A read of a public repository: public by nature (public/pull-authorizer.ts), so every signed caller is served. */
  publicRead?: boolean;
}

// ---- the key service
const freshKey = async (): Promise<string> => (await root(KMS, 'CreateKey', { Description: 'matrix' })).KeyMetadata.Arn;
let sharedKey: string;
let signingKey: string | undefined;
const sharedSigningKey = async (): Promise<string> =>
  (signingKey ??= (await root(KMS, 'CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata
    .Arn as string);
const signed = Buffer.from('signed').toString('base64');
const SERVICE_GRANTEE = 'ecr.us-east-1.amazonaws.com';
const freshGrant = async (): Promise<object> => {
  const KeyId = await freshKey();
  return {
    KeyId,
    GrantId: (await root(KMS, 'CreateGrant', { KeyId, GranteePrincipal: SERVICE_GRANTEE, Operations: ['Decrypt'] }))
      .GrantId,
  };
};
const KMS_CASES: Record<string, ApiCase> = {
  CreateKey: { crossAccount: false, input: async () => ({ Description: 'm' }) },
  DescribeKey: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  ListKeys: { crossAccount: false, input: async () => ({}) },
  EnableKey: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  DisableKey: { crossAccount: true, input: async () => ({ KeyId: await freshKey() }) },
  ScheduleKeyDeletion: { crossAccount: true, input: async () => ({ KeyId: await freshKey(), PendingWindowInDays: 7 }) },
  CancelKeyDeletion: {
    crossAccount: true,
    input: async () => {
      const KeyId = await freshKey();
      await root(KMS, 'ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
      return { KeyId };
    },
  },
  CreateAlias: { crossAccount: true, input: async () => ({ AliasName: `alias/m-${rand()}`, TargetKeyId: sharedKey }) },
  ListAliases: { crossAccount: false, input: async () => ({}) },
  GetKeyPolicy: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  PutKeyPolicy: {
    crossAccount: true,
    input: async () => {
      const KeyId = await freshKey();
      return { KeyId, Policy: (await root(KMS, 'GetKeyPolicy', { KeyId })).Policy };
    },
  },
  ListKeyPolicies: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  EnableKeyRotation: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  DisableKeyRotation: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  GetKeyRotationStatus: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  RotateKeyOnDemand: { crossAccount: true, input: async () => ({ KeyId: await freshKey() }) },
  Encrypt: {
    crossAccount: true,
    input: async () => ({ KeyId: sharedKey, Plaintext: Buffer.from('secret').toString('base64') }),
  },
  GenerateDataKey: { crossAccount: true, input: async () => ({ KeyId: sharedKey, NumberOfBytes: 32 }) },
  Decrypt: {
    // A ciphertext names its key, found in whichever account holds it: the key's policy refuses another account.
    crossAccount: true,
    input: async () => ({
      CiphertextBlob: (
        await root(KMS, 'Encrypt', { KeyId: sharedKey, Plaintext: Buffer.from('secret').toString('base64') })
      ).CiphertextBlob,
    }),
  },
  Sign: {
    crossAccount: true,
    input: async () => ({ KeyId: await sharedSigningKey(), Message: signed, SigningAlgorithm: 'ECDSA_SHA_256' }),
  },
  Verify: {
    crossAccount: true,
    input: async () => {
      const KeyId = await sharedSigningKey();
      const { Signature } = await root(KMS, 'Sign', { KeyId, Message: signed, SigningAlgorithm: 'ECDSA_SHA_256' });
      return { KeyId, Message: signed, Signature, SigningAlgorithm: 'ECDSA_SHA_256' };
    },
  },
  GetPublicKey: { crossAccount: true, input: async () => ({ KeyId: await sharedSigningKey() }) },
  CreateGrant: {
    crossAccount: true,
    input: async () => ({ KeyId: sharedKey, GranteePrincipal: SERVICE_GRANTEE, Operations: ['Decrypt'] }),
  },
  ListGrants: { crossAccount: true, input: async () => ({ KeyId: sharedKey }) },
  ListRetirableGrants: { crossAccount: false, input: async () => ({ RetiringPrincipal: `arn:aws:iam::${A}:root` }) },
  // Neither the retiring principal, nor a grantee, nor the account's root: kms:RetireGrant by policy decides.
  RetireGrant: { crossAccount: true, input: freshGrant },
  RevokeGrant: { crossAccount: true, input: freshGrant },
};

// ---- ECR Public
const P = 'matrix/pub';
const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const publicArn = (name: string) => `arn:aws:ecr-public::${A}:repository/${name}`;
const publicPolicy = () =>
  policy({ Effect: 'Allow', Principal: '*', Action: ['ecr-public:BatchCheckLayerAvailability'] });

async function publicBlob(name: string, bytes: Buffer): Promise<string> {
  const { uploadId } = await root(PUBLIC, 'InitiateLayerUpload', { repositoryName: name });
  await root(PUBLIC, 'UploadLayerPart', {
    repositoryName: name,
    uploadId,
    partFirstByte: 0,
    partLastByte: bytes.length - 1,
    layerPartBlob: bytes.toString('base64'),
  });
  await root(PUBLIC, 'CompleteLayerUpload', { repositoryName: name, uploadId, layerDigests: [sha(bytes)] });
  return sha(bytes);
}
let configDigest: string;
/** The manifest of P's image v1 (its blobs are in P). */
let manifest: string;
async function publicRepository(withImage: boolean): Promise<string> {
  const name = `matrix/p${rand()}`;
  await root(PUBLIC, 'CreateRepository', { repositoryName: name });
  if (withImage) await publicImage(name, 'v1');
  return name;
}
async function publicImage(name: string, tag: string): Promise<{ manifest: string; configDigest: string }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
  const layer = randomBytes(64);
  const configDigest = await publicBlob(name, config);
  const layerDigest = await publicBlob(name, layer);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
  });
  await root(PUBLIC, 'PutImage', { repositoryName: name, imageManifest: manifest, imageTag: tag });
  return { manifest, configDigest };
}
const withPolicy = async () => {
  await root(PUBLIC, 'SetRepositoryPolicy', { repositoryName: P, policyText: publicPolicy() });
  return { registryId: A, repositoryName: P };
};

// On a public repository the shared actions are named as ECR Public names them (ecr-public:PutImage).
const PUBLIC_CASES: Record<string, ApiCase> = {
  GetAuthorizationToken: { crossAccount: false, input: async () => ({}) },
  DescribeRegistries: { crossAccount: false, input: async () => ({}) },
  GetRegistryCatalogData: { crossAccount: false, input: async () => ({}) },
  PutRegistryCatalogData: { crossAccount: false, input: async () => ({ displayName: 'Matrix' }) },
  CreateRepository: { crossAccount: false, input: async () => ({ repositoryName: `matrix/c${rand()}` }) },
  DescribeRepositories: { crossAccount: true, input: async () => ({ registryId: A, repositoryNames: [P] }) },
  DeleteRepository: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await publicRepository(false) }),
  },
  GetRepositoryCatalogData: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: P }) },
  PutRepositoryCatalogData: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: P, catalogData: { description: 'm' } }),
  },
  SetRepositoryPolicy: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: P, policyText: publicPolicy() }),
  },
  GetRepositoryPolicy: { crossAccount: true, input: withPolicy },
  DeleteRepositoryPolicy: { crossAccount: true, input: withPolicy },
  DescribeImageTags: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: P }) },
  DescribeImages: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: P }) },
  BatchDeleteImage: {
    crossAccount: true,
    input: async () => ({
      registryId: A,
      repositoryName: await publicRepository(true),
      imageIds: [{ imageTag: 'v1' }],
    }),
  },
  PutImage: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: P, imageManifest: manifest, imageTag: `t${rand()}` }),
  },
  BatchCheckLayerAvailability: {
    crossAccount: true,
    publicRead: true,
    input: async () => ({ registryId: A, repositoryName: P, layerDigests: [configDigest] }),
  },
  InitiateLayerUpload: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: P }) },
  UploadLayerPart: {
    crossAccount: true,
    input: async () => ({
      registryId: A,
      repositoryName: P,
      uploadId: (await root(PUBLIC, 'InitiateLayerUpload', { repositoryName: P })).uploadId,
      partFirstByte: 0,
      partLastByte: 3,
      layerPartBlob: Buffer.from('abcd').toString('base64'),
    }),
  },
  CompleteLayerUpload: {
    crossAccount: true,
    input: async () => {
      const data = randomBytes(16);
      const { uploadId } = await root(PUBLIC, 'InitiateLayerUpload', { repositoryName: P });
      await root(PUBLIC, 'UploadLayerPart', {
        repositoryName: P,
        uploadId,
        partFirstByte: 0,
        partLastByte: data.length - 1,
        layerPartBlob: data.toString('base64'),
      });
      return { registryId: A, repositoryName: P, uploadId, layerDigests: [sha(data)] };
    },
  },
  TagResource: {
    crossAccount: true,
    input: async () => ({ resourceArn: publicArn(P), tags: [{ Key: 'k', Value: 'v' }] }),
  },
  UntagResource: { crossAccount: true, input: async () => ({ resourceArn: publicArn(P), tagKeys: ['k'] }) },
  ListTagsForResource: { crossAccount: true, input: async () => ({ resourceArn: publicArn(P) }) },
};

before(async () => {
  test = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = test.berth.accountId;
  await test.berth.identities.createAccount(B);
  for (const name of ['nobody', 'exact', 'allbut']) await test.berth.identities.createUser(A, name);
  keys.nobody = await test.berth.identities.createAccessKeyFor(A, 'nobody');
  keys.exact = await test.berth.identities.createAccessKeyFor(A, 'exact');
  keys.allBut = await test.berth.identities.createAccessKeyFor(A, 'allbut');
  keys.otherRoot = await test.berth.identities.createAccessKeyFor(B);
  sharedKey = await freshKey();
  await root(PUBLIC, 'CreateRepository', { repositoryName: P });
  ({ manifest, configDigest } = await publicImage(P, 'v1'));
});
after(() => test?.close());

const typeOf = (res: Response) => (res.json() as { __type?: string }).__type;

function matrix(
  title: string,
  face: Face,
  service: Service,
  registered: () => readonly string[],
  cases: Record<string, ApiCase>,
): void {
  describe(`authorization matrix: ${title}`, () => {
    it('has a case for every action the server answers, each an operation of the model', () => {
      assert.deepEqual([...registered()].sort(), Object.keys(cases).sort());
      assert.deepEqual(actionsToWalk(face, registered()).notInModel, []);
    });

    for (const [action, spec] of Object.entries(cases)) {
      const actions = requiredActions(face, action) as Action[];
      it(`${action}: refused without the right, served with exactly ${actions.join(' + ')}`, async () => {
        await grant(actions);
        const call = async (credentials: Credentials | undefined, options: { date?: Date } = {}) => {
          const input = await spec.input();
          if (!credentials)
            return test.berth.app.inject({
              method: 'POST',
              url: '/',
              headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${service.target}.${action}` },
              payload: JSON.stringify(input),
            });
          return callApi(test.berth.app, action, input, {
            target: `${service.target}.${action}`,
            service: service.signing,
            credentials,
            ...options,
          });
        };
        const refusals: [string, Response, string[]][] = [
          ['unsigned', await call(undefined), ['MissingAuthenticationTokenException']],
          [
            'a wrong secret',
            await call({ ...TEST_ADMIN, secretAccessKey: `${TEST_ADMIN.secretAccessKey.slice(0, -1)}x` }),
            ['InvalidSignatureException'],
          ],
          [
            'an unknown key',
            await call({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: TEST_ADMIN.secretAccessKey }),
            ['UnrecognizedClientException'],
          ],
          [
            'an expired signature',
            await call(TEST_ADMIN, { date: new Date(Date.now() - 30 * 60 * 1000) }),
            ['InvalidSignatureException'],
          ],
        ];
        const withoutRight: [string, Credentials][] = [
          ['a user of the account with no policy', keys.nobody],
          ['a user allowed everything but these actions', keys.allBut],
        ];
        if (spec.crossAccount) withoutRight.push(["another account's root", keys.otherRoot]);
        for (const [who, credentials] of withoutRight) {
          const res = await call(credentials);
          if (spec.publicRead) {
            assert.equal(res.statusCode, 200, `${action} reads a public repository, served to ${who}: ${res.body}`);
            cells++;
          } else {
            refusals.push([
              who,
              res,
              ['AccessDeniedException', ...(who.startsWith('another') && spec.crossRefusal ? [spec.crossRefusal] : [])],
            ]);
          }
        }
        cells += refusals.length + 1;
        for (const [who, res, types] of refusals) {
          assert.ok(
            res.statusCode === 400 || res.statusCode === 403,
            `${action} for ${who}: ${res.statusCode} ${res.body}`,
          );
          assert.ok(types.includes(typeOf(res) ?? ''), `${action} for ${who}: ${res.body}`);
          assert.deepEqual(
            Object.keys(res.json() as object).sort(),
            ['__type', 'message'],
            `${action} for ${who} answers only the error`,
          );
        }
        const allowed = await call(keys.exact);
        assert.equal(
          allowed.statusCode,
          200,
          `${action} for a user allowed exactly ${actions.join(', ')}: ${allowed.body}`,
        );
        // Each needed action withheld alone refuses the call (public reads aside), and the denial names it.
        for (const needed of spec.publicRead ? [] : actions) {
          await test.berth.userPolicies.putUserPolicy(
            A,
            'allbut',
            'matrix',
            policy({ Effect: 'Allow', NotAction: [needed], Resource: '*' }),
          );
          const res = await call(keys.allBut);
          cells++;
          assert.equal(
            typeOf(res),
            'AccessDeniedException',
            `${action} for a user allowed everything but ${needed}: ${res.body}`,
          );
          assert.ok(
            namesDenial((res.json() as { message: string }).message, needed, exception(face, action)?.resource),
            `${action}: the denial names ${needed}: ${res.body}`,
          );
        }
      });
    }
  });
}

matrix('the key service (TrentService)', 'kms', KMS, () => test.berth.kmsActions, KMS_CASES);
matrix('ECR Public (SpencerFrontendService)', 'ecr-public', PUBLIC, () => test.berth.ecrPublicActions, PUBLIC_CASES);
matrix('CloudTrail (the audit trail)', 'cloudtrail', CLOUDTRAIL, () => test.berth.cloudTrailActions, {
  LookupEvents: { crossAccount: false, input: async () => ({ MaxResults: 5 }) },
});

describe('the KMS and ECR Public matrix', () => {
  it('size', (t) => {
    t.diagnostic(
      `authorization matrix: ${cells} cells over ${Object.keys(KMS_CASES).length} KMS actions and ${Object.keys(PUBLIC_CASES).length} ECR Public actions`,
    );
    assert.ok(cells >= (Object.keys(KMS_CASES).length + Object.keys(PUBLIC_CASES).length) * 7);
  });
});
