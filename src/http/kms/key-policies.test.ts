// Key policies decide, as in KMS, through the real HTTP surface: the key's policy is the primary
// control (it allows callers directly, or enables IAM policies by allowing the account's root),
// an explicit deny anywhere wins, another account needs the key policy and its own identity
// policies; the lockout safety check; and ECR repositories made with another account's key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { LOCKOUT_MESSAGE } from '../../kms/key-policy.js';
import { callApi, loggedIn, registryPassword } from '../../testing/api-client.js';
import type { Credentials } from '../../testing/aws-signer.js';
import { callKms, enableIam, policyDocument as document, rootOf } from '../../testing/kms.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

const B = '222222222222';
const C = '333333333333';
const B_HOST = 'registry-b.berth.test';
let server: TestBerth;
let A: string;
type Key = NewAccessKey & { user: { arn: string } };
/** A's users: `admin` has kms:* by identity policy; `direct` has no policy (key policies name it). B's `dev` and `bare`; B's and C's roots. */
const who = {} as Record<'admin' | 'direct' | 'dev' | 'bare' | 'rootB' | 'rootC', Key>;

async function kms(action: string, input: object, credentials: Credentials = TEST_ADMIN) {
  return callKms(server.berth.app, action, input, credentials);
}

async function ok(action: string, input: object, credentials: Credentials = TEST_ADMIN): Promise<Record<string, any>> {
  const res = await kms(action, input, credentials);
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function refused(
  action: string,
  input: object,
  credentials: Credentials,
  type: string,
  message?: RegExp | string,
): Promise<string> {
  const res = await kms(action, input, credentials);
  assert.equal(res.status, 400, `${action} should fail with ${type}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.__type, type, JSON.stringify(res.body));
  if (typeof message === 'string') assert.equal(res.body.message, message);
  else if (message) assert.match(res.body.message, message);
  return res.body.message as string;
}

async function newKey(policy?: string, bypass = false): Promise<string> {
  return (
    await ok('CreateKey', {
      ...(policy && { Policy: policy }),
      ...(bypass && { BypassPolicyLockoutSafetyCheck: true }),
    })
  ).KeyMetadata.Arn as string;
}

const plaintext = Buffer.from('kept by policy').toString('base64');

before(async () => {
  server = await startBerth({
    listen: false,
    settings: { auth: { mode: 'iam' }, accounts: { hosts: { [B_HOST]: B } } },
  });
  A = server.berth.accountId;
  const { identities, userPolicies } = server.berth;
  await identities.createAccount(B);
  await identities.createAccount(C);
  for (const [name, account] of [
    ['admin', A],
    ['direct', A],
    ['dev', B],
    ['bare', B],
  ] as const) {
    await identities.createUser(account, `kp-${name}`);
    who[name] = await identities.createAccessKeyFor(account, `kp-${name}`);
  }
  who.rootB = await identities.createAccessKeyFor(B);
  who.rootC = await identities.createAccessKeyFor(C);
  await userPolicies.putUserPolicy(
    A,
    'kp-admin',
    'keys',
    document({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }),
  );
});
after(() => server.close());

describe('key policies decide', () => {
  test('a key policy that does not enable IAM policies: an identity allow of kms:* is not enough, the root is not implied', async () => {
    const onlyDirect = document({
      Effect: 'Allow',
      Principal: { AWS: who.direct.user.arn },
      Action: 'kms:*',
      Resource: '*',
    });
    const key = await newKey(onlyDirect, true);
    for (const caller of [who.admin, TEST_ADMIN]) {
      await refused(
        'DescribeKey',
        { KeyId: key },
        caller,
        'AccessDeniedException',
        /because no resource-based policy allows the kms:DescribeKey action/,
      );
      await refused('Encrypt', { KeyId: key, Plaintext: plaintext }, caller, 'AccessDeniedException');
    }
    // The user the policy names needs no identity policy.
    assert.equal((await ok('DescribeKey', { KeyId: key }, who.direct)).KeyMetadata.Arn, key);
    const { CiphertextBlob } = await ok('Encrypt', { KeyId: key, Plaintext: plaintext }, who.direct);
    assert.equal((await ok('Decrypt', { CiphertextBlob }, who.direct)).Plaintext, plaintext);
    await refused('Decrypt', { CiphertextBlob }, who.admin, 'AccessDeniedException');
  });

  test('the default key policy enables IAM policies: identity policies decide, as before', async () => {
    const key = await newKey();
    assert.deepEqual(JSON.parse((await ok('GetKeyPolicy', { KeyId: key })).Policy).Statement, [enableIam(A)]);
    assert.equal((await ok('DescribeKey', { KeyId: key }, who.admin)).KeyMetadata.Arn, key);
    await refused(
      'DescribeKey',
      { KeyId: key },
      who.direct,
      'AccessDeniedException',
      /because no identity-based policy allows the kms:DescribeKey action/,
    );
    assert.equal((await ok('DescribeKey', { KeyId: key })).KeyMetadata.Arn, key, 'the root, which the policy names');
  });

  test('an explicit Deny in the key policy beats an identity Allow and binds the root too', async () => {
    const key = await newKey(
      document(enableIam(A), {
        Sid: 'NoEncrypt',
        Effect: 'Deny',
        Principal: { AWS: [who.admin.user.arn, rootOf(A)] },
        Action: 'kms:Encrypt',
        Resource: '*',
      }),
    );
    assert.equal((await ok('DescribeKey', { KeyId: key }, who.admin)).KeyMetadata.Arn, key);
    for (const caller of [who.admin, TEST_ADMIN]) {
      await refused(
        'Encrypt',
        { KeyId: key, Plaintext: plaintext },
        caller,
        'AccessDeniedException',
        /with an explicit deny in a resource-based policy$/,
      );
    }
    // And a deny in the identity policy beats the key policy's direct allow.
    await server.berth.userPolicies.putUserPolicy(
      A,
      'kp-direct',
      'no-describe',
      document({ Effect: 'Deny', Action: 'kms:DescribeKey', Resource: '*' }),
    );
    const named = await newKey(
      document(enableIam(A), {
        Effect: 'Allow',
        Principal: { AWS: who.direct.user.arn },
        Action: ['kms:DescribeKey', 'kms:Encrypt'],
        Resource: '*',
      }),
    );
    await refused(
      'DescribeKey',
      { KeyId: named },
      who.direct,
      'AccessDeniedException',
      /with an explicit deny in an identity-based policy$/,
    );
    await ok('Encrypt', { KeyId: named, Plaintext: plaintext }, who.direct);
    await server.berth.userPolicies.deleteUserPolicy(A, 'kp-direct', 'no-describe');
  });

  test("another account: the key policy must allow it and its caller's identity policies too", async () => {
    const key = await newKey(
      document(enableIam(A), {
        Sid: 'ShareWithB',
        Effect: 'Allow',
        Principal: { AWS: B },
        Action: ['kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
      }),
    );
    // Without an identity policy B's user is refused; B's root holds its account's identity rights.
    await refused(
      'Encrypt',
      { KeyId: key, Plaintext: plaintext },
      who.dev,
      'AccessDeniedException',
      /because no identity-based policy allows the kms:Encrypt action/,
    );
    await ok('DescribeKey', { KeyId: key }, who.rootB);
    await server.berth.userPolicies.putUserPolicy(
      B,
      'kp-dev',
      'use-a-key',
      document({
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:PutKeyPolicy'],
        Resource: key,
      }),
    );
    const { CiphertextBlob } = await ok('Encrypt', { KeyId: key, Plaintext: plaintext }, who.dev);
    // The ciphertext names A's key: B decrypts it without naming the key.
    assert.equal((await ok('Decrypt', { CiphertextBlob }, who.dev)).Plaintext, plaintext);
    await refused('Decrypt', { CiphertextBlob }, who.bare, 'AccessDeniedException');
    // What the key policy does not share stays A's, whatever B's identity policy says.
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: document(enableIam(A)) },
      who.dev,
      'AccessDeniedException',
      /because no resource-based policy allows the kms:PutKeyPolicy action/,
    );
    // An account the policy does not name, even its root, is refused; another account names a key by ARN only.
    await refused(
      'DescribeKey',
      { KeyId: key },
      who.rootC,
      'AccessDeniedException',
      /because no resource-based policy allows/,
    );
    await refused('DescribeKey', { KeyId: key.split('/')[1]! }, who.dev, 'NotFoundException');
  });
});

describe('key policies are checked when stored', () => {
  test('the lockout safety check refuses a policy that shuts its author out; BypassPolicyLockoutSafetyCheck allows it', async () => {
    const key = await newKey();
    const before = (await ok('GetKeyPolicy', { KeyId: key })).Policy as string;
    const onlyDirect = document({
      Effect: 'Allow',
      Principal: { AWS: who.direct.user.arn },
      Action: 'kms:*',
      Resource: '*',
    });
    // The admin may PutKeyPolicy through IAM today; with this policy it no longer could.
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: onlyDirect },
      who.admin,
      'MalformedPolicyDocumentException',
      LOCKOUT_MESSAGE,
    );
    await refused('CreateKey', { Policy: onlyDirect }, TEST_ADMIN, 'MalformedPolicyDocumentException', LOCKOUT_MESSAGE);
    assert.equal((await ok('GetKeyPolicy', { KeyId: key })).Policy, before, 'nothing stored');
    // A policy that keeps IAM policies enabled keeps the admin in (its identity policy allows PutKeyPolicy).
    const shared = document(enableIam(A), {
      Effect: 'Allow',
      Principal: { AWS: who.direct.user.arn },
      Action: 'kms:Encrypt',
      Resource: '*',
    });
    await ok('PutKeyPolicy', { KeyId: key, Policy: shared }, who.admin);
    assert.equal((await ok('GetKeyPolicy', { KeyId: key }, who.admin)).Policy, shared);
    await ok('PutKeyPolicy', { KeyId: key, Policy: onlyDirect, BypassPolicyLockoutSafetyCheck: true }, who.admin);
    // It counts at once: the admin and the root are out, the user it names is in.
    await refused('GetKeyPolicy', { KeyId: key }, who.admin, 'AccessDeniedException');
    await refused('GetKeyPolicy', { KeyId: key }, TEST_ADMIN, 'AccessDeniedException');
    assert.equal((await ok('GetKeyPolicy', { KeyId: key }, who.direct)).Policy, onlyDirect);
  });

  test('a policy naming a user or role that does not exist is refused: invalid principals, as KMS says it', async () => {
    const key = await newKey();
    const before = (await ok('GetKeyPolicy', { KeyId: key })).Policy as string;
    for (const principal of [`arn:aws:iam::${A}:user/kp-nobody`, `arn:aws:iam::${B}:role/kp-no-role`]) {
      const naming = document(enableIam(A), {
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'kms:Encrypt',
        Resource: '*',
      });
      const message = await refused(
        'PutKeyPolicy',
        { KeyId: key, Policy: naming },
        TEST_ADMIN,
        'MalformedPolicyDocumentException',
        /^Policy contains a statement with one or more invalid principals\./,
      );
      assert.ok(message.includes(`Statement[1].Principal.AWS: ${principal}`), message);
      await refused(
        'CreateKey',
        { Policy: naming },
        TEST_ADMIN,
        'MalformedPolicyDocumentException',
        /invalid principals/,
      );
    }
    assert.equal((await ok('GetKeyPolicy', { KeyId: key })).Policy, before, 'nothing stored');
    await ok('PutKeyPolicy', {
      KeyId: key,
      Policy: document(enableIam(A), {
        Effect: 'Allow',
        Principal: { AWS: [who.direct.user.arn, rootOf(C)] },
        Action: 'kms:Encrypt',
        Resource: '*',
      }),
    });
  });

  test('a malformed, oversized or badly encoded policy is refused by name and nothing is stored', async () => {
    const key = await newKey();
    const before = (await ok('GetKeyPolicy', { KeyId: key })).Policy as string;
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: document({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }) },
      TEST_ADMIN,
      'MalformedPolicyDocumentException',
      /Statement\[0\]\.Principal/,
    );
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: document(enableIam(A), { Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 'kms:*' }) },
      TEST_ADMIN,
      'MalformedPolicyDocumentException',
      /Statement\[1\]\.Principal\.AWS: invalid principal "bob"/,
    );
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: '{"Statement": [' },
      TEST_ADMIN,
      'MalformedPolicyDocumentException',
      /not valid JSON/,
    );
    await refused(
      'CreateKey',
      { Policy: document({ Effect: 'Permit', Principal: '*', Action: 'kms:*' }) },
      TEST_ADMIN,
      'MalformedPolicyDocumentException',
      /Statement\[0\]\.Effect/,
    );
    const padded = document({ ...enableIam(A), Sid: 'x'.repeat(33_000) });
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: padded },
      TEST_ADMIN,
      'LimitExceededException',
      /at most 32768/,
    );
    await refused(
      'PutKeyPolicy',
      { KeyId: key, Policy: document({ ...enableIam(A), Sid: 'snow☃' }) },
      TEST_ADMIN,
      'ValidationException',
      /at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\u0009\\u000A\\u000D\\u0020-\\u00FF\]\+/,
    );
    assert.equal((await ok('GetKeyPolicy', { KeyId: key })).Policy, before);
  });
});

describe('ECR repositories encrypted with a KMS key', () => {
  const ecr = (action: string, input: object, credentials: Credentials) =>
    callApi(server.berth.app, action, input, { credentials });

  test("a repository of B made with A's key: allowed by that key's policy, and it pushes and pulls", async () => {
    const { userPolicies } = server.berth;
    await userPolicies.putUserPolicy(B, 'kp-dev', 'ecr', document({ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }));
    await userPolicies.putUserPolicy(
      B,
      'kp-bare',
      'ecr',
      document({ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }),
    );
    const key = await newKey();
    await userPolicies.putUserPolicy(
      B,
      'kp-dev',
      'use-a-key',
      document({ Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:CreateGrant'], Resource: key }),
    );
    const create = (name: string, credentials: Credentials) =>
      ecr(
        'CreateRepository',
        { repositoryName: name, encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key } },
        credentials,
      );

    // A's key policy does not name B yet.
    const denied = await create('xacct/sealed', who.dev);
    assert.equal(denied.statusCode, 400, denied.body);
    const error = denied.json() as { __type: string; message: string; kmsError: string };
    assert.equal(error.__type, 'KmsException');
    assert.equal(error.kmsError, 'AccessDeniedException');
    assert.match(
      error.message,
      new RegExp(
        `cannot use KMS key ${key}: User: ${who.dev.user.arn} is not authorized to perform: kms:DescribeKey .*no resource-based policy`,
      ),
    );
    assert.equal(
      (await ecr('DescribeRepositories', { repositoryNames: ['xacct/sealed'] }, who.dev)).statusCode,
      400,
      'nothing was created',
    );

    await ok('PutKeyPolicy', {
      KeyId: key,
      Policy: document(enableIam(A), {
        Sid: 'ECR in B',
        Effect: 'Allow',
        Principal: { AWS: rootOf(B) },
        Action: ['kms:DescribeKey', 'kms:CreateGrant'],
        Resource: '*',
      }),
    });
    // B's user without a kms: identity policy is still refused (B's side must allow too), now for the identity side.
    const bare = await create('xacct/bare', who.bare);
    assert.equal((bare.json() as { __type: string }).__type, 'KmsException', bare.body);
    assert.match(
      (bare.json() as { message: string }).message,
      /no identity-based policy allows the kms:DescribeKey action/,
    );

    const created = await create('xacct/sealed', who.dev);
    assert.equal(created.statusCode, 200, created.body);
    assert.deepEqual(
      (created.json() as { repository: { encryptionConfiguration: object } }).repository.encryptionConfiguration,
      { encryptionType: 'KMS', kmsKey: key },
    );

    const asB = loggedIn(server.berth.app, await registryPassword(server.berth.app, who.dev, B_HOST), B_HOST);
    const image = await pushImage(asB, 'xacct/sealed', 'v1');
    const manifest = await asB.inject({ url: '/v2/xacct/sealed/manifests/v1', headers: { accept: image.mediaType } });
    assert.equal(manifest.statusCode, 200, manifest.body);
    assert.equal(manifest.headers['docker-content-digest'], image.digest);
    const layer = await asB.inject({ url: `/v2/xacct/sealed/blobs/${image.layers[0]!.digest}` });
    assert.equal(layer.statusCode, 200);
    assert.equal(layer.rawPayload.length, image.layers[0]!.size);
    // The data keys are A's key's: disabling it in A makes B's images unreadable.
    await ok('DisableKey', { KeyId: key });
    assert.equal((await asB.inject({ url: `/v2/xacct/sealed/blobs/${image.layers[0]!.digest}` })).statusCode, 403);
    await ok('EnableKey', { KeyId: key });
  });

  test("in its own account a user needs the key's permissions too; the default ECR key needs none", async () => {
    const { userPolicies } = server.berth;
    await server.berth.identities.createUser(A, 'kp-ecr');
    const ecrOnly = await server.berth.identities.createAccessKeyFor(A, 'kp-ecr');
    await userPolicies.putUserPolicy(A, 'kp-ecr', 'ecr', document({ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }));
    const key = await newKey();
    const create = (name: string, kmsKey?: string) =>
      ecr(
        'CreateRepository',
        { repositoryName: name, encryptionConfiguration: { encryptionType: 'KMS', ...(kmsKey && { kmsKey }) } },
        ecrOnly,
      );
    const denied = await create('own/sealed', key);
    assert.equal((denied.json() as { __type: string }).__type, 'KmsException', denied.body);
    assert.equal((await create('own/default')).statusCode, 200);
    await userPolicies.putUserPolicy(
      A,
      'kp-ecr',
      'key',
      document({ Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:CreateGrant'], Resource: key }),
    );
    assert.equal((await create('own/sealed', key)).statusCode, 200);
  });
});
