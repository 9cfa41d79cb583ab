// The key service's condition keys through the real HTTP surface, as key and identity policies
// use them: kms:CallerAccount, kms:ViaService and kms:GrantIsForAWSResource (ECR using a key for
// its caller), kms:EncryptionContext:* and kms:EncryptionContextKeys, kms:RequestAlias,
// kms:ResourceAliases, kms:KeySpec and kms:BypassPolicyLockoutSafetyCheck; for CreateGrant
// kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal and kms:GrantConstraintType.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { callApi } from '../../testing/api-client.js';
import type { Credentials } from '../../testing/aws-signer.js';
import { callKms, enableIam, policyDocument as document, rootOf } from '../../testing/kms.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

const B = '222222222222';
const C = '333333333333';
let server: TestBerth;
let A: string;
let rootB: NewAccessKey;
let rootC: NewAccessKey;
let keeper: NewAccessKey;

const plaintext = Buffer.from('conditional').toString('base64');

async function ok(action: string, input: object, credentials: Credentials = TEST_ADMIN): Promise<Record<string, any>> {
  const res = await callKms(server.berth.app, action, input, credentials);
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function denied(action: string, input: object, credentials: Credentials = TEST_ADMIN): Promise<string> {
  const res = await callKms(server.berth.app, action, input, credentials);
  assert.equal(res.status, 400, `${action} should be denied: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.__type, 'AccessDeniedException', JSON.stringify(res.body));
  return res.body.message as string;
}

async function newKey(...statements: object[]): Promise<string> {
  return (await ok('CreateKey', { Policy: document(enableIam(A), ...statements) })).KeyMetadata.Arn as string;
}

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = server.berth.accountId;
  const { identities, userPolicies } = server.berth;
  for (const account of [B, C]) await identities.createAccount(account);
  [rootB, rootC] = [await identities.createAccessKeyFor(B), await identities.createAccessKeyFor(C)];
  await identities.createUser(A, 'ck-keeper');
  keeper = await identities.createAccessKeyFor(A, 'ck-keeper');
  await userPolicies.putUserPolicy(
    A,
    'ck-keeper',
    'keys',
    document(
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      // The usual guard: nobody here skips the lockout safety check.
      {
        Effect: 'Deny',
        Action: ['kms:CreateKey', 'kms:PutKeyPolicy'],
        Resource: '*',
        Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
      },
    ),
  );
});
after(() => server.close());

describe('kms: condition keys', () => {
  test('kms:CallerAccount: a key shared with "*" on condition of the caller\'s account', async () => {
    const key = await newKey({
      Sid: 'B only',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': B } },
    });
    await ok('Encrypt', { KeyId: key, Plaintext: plaintext }, rootB);
    assert.match(
      await denied('Encrypt', { KeyId: key, Plaintext: plaintext }, rootC),
      /no resource-based policy allows the kms:Encrypt action/,
    );
  });

  test("kms:ViaService: B may use A's key for an ECR repository, not call KMS with it directly", async () => {
    const viaEcr = { 'kms:ViaService': `ecr.${server.berth.config.registry.region}.amazonaws.com` };
    const key = await newKey(
      {
        Sid: 'B through ECR',
        Effect: 'Allow',
        Principal: { AWS: rootOf(B) },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: viaEcr },
      },
      {
        Sid: 'Grants for ECR resources',
        Effect: 'Allow',
        Principal: { AWS: rootOf(B) },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { StringEquals: viaEcr, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    );
    assert.match(
      await denied('DescribeKey', { KeyId: key }, rootB),
      /no resource-based policy allows the kms:DescribeKey action/,
    );
    const created = await callApi(
      server.berth.app,
      'CreateRepository',
      { repositoryName: 'via/ecr', encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key } },
      { credentials: rootB },
    );
    assert.equal(created.statusCode, 200, created.body);
    assert.equal((created.json() as { repository: { registryId: string } }).repository.registryId, B);
  });

  test('kms:EncryptionContext:* and kms:EncryptionContextKeys: encrypt and decrypt only within a context', async () => {
    const key = await newKey(
      {
        Sid: 'Project context required',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringNotEquals: { 'kms:EncryptionContext:project': 'berth' } },
      },
      {
        Sid: 'Nothing but project',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { 'ForAnyValue:StringNotEquals': { 'kms:EncryptionContextKeys': ['project'] } },
      },
    );
    const { CiphertextBlob } = await ok('Encrypt', {
      KeyId: key,
      Plaintext: plaintext,
      EncryptionContext: { project: 'berth' },
    });
    assert.equal(
      (await ok('Decrypt', { CiphertextBlob, EncryptionContext: { project: 'berth' } })).Plaintext,
      plaintext,
    );
    await ok('GenerateDataKey', { KeyId: key, KeySpec: 'AES_256', EncryptionContext: { project: 'berth' } });
    assert.match(
      await denied('Encrypt', { KeyId: key, Plaintext: plaintext }),
      /explicit deny in a resource-based policy/,
    );
    await denied('Encrypt', { KeyId: key, Plaintext: plaintext, EncryptionContext: { project: 'other' } });
    await denied('Encrypt', { KeyId: key, Plaintext: plaintext, EncryptionContext: { project: 'berth', team: 'x' } });
    await denied('Decrypt', { CiphertextBlob });
    await denied('GenerateDataKey', { KeyId: key, KeySpec: 'AES_256' });
  });

  test('kms:RequestAlias: a user may encrypt only by naming the key through its alias', async () => {
    const { identities, userPolicies } = server.berth;
    await identities.createUser(A, 'ck-app');
    const app = await identities.createAccessKeyFor(A, 'ck-app');
    await userPolicies.putUserPolicy(
      A,
      'ck-app',
      'by-alias',
      document({
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:RequestAlias': 'alias/ck-app' } },
      }),
    );
    const key = await newKey();
    await ok('CreateAlias', { AliasName: 'alias/ck-app', TargetKeyId: key });
    await ok('Encrypt', { KeyId: 'alias/ck-app', Plaintext: plaintext }, app);
    await ok(
      'Encrypt',
      { KeyId: `arn:aws:kms:${server.berth.config.registry.region}:${A}:alias/ck-app`, Plaintext: plaintext },
      app,
    );
    assert.match(
      await denied('Encrypt', { KeyId: key, Plaintext: plaintext }, app),
      /no identity-based policy allows the kms:Encrypt action/,
    );
  });

  test('kms:ResourceAliases: a user may use the keys that carry an alias of its team, whatever it names them by', async () => {
    const { identities, userPolicies } = server.berth;
    await identities.createUser(A, 'ck-team');
    const team = await identities.createAccessKeyFor(A, 'ck-team');
    await userPolicies.putUserPolicy(
      A,
      'ck-team',
      'team-keys',
      document({
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/team-a/*' } },
      }),
    );
    const key = await newKey();
    await denied('Encrypt', { KeyId: key, Plaintext: plaintext }, team);
    await ok('CreateAlias', { AliasName: 'alias/other', TargetKeyId: key });
    await ok('CreateAlias', { AliasName: 'alias/team-a/app', TargetKeyId: key });
    const { CiphertextBlob } = await ok('Encrypt', { KeyId: key, Plaintext: plaintext }, team);
    assert.equal((await ok('Decrypt', { CiphertextBlob }, team)).Plaintext, plaintext);
    await denied('Encrypt', { KeyId: await newKey(), Plaintext: plaintext }, team);
  });

  test('kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType: B may make only narrow grants for itself', async () => {
    const key = await newKey({
      Sid: 'B grants decrypt to itself, constrained',
      Effect: 'Allow',
      Principal: { AWS: rootOf(B) },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        'ForAllValues:StringEquals': {
          'kms:GrantOperations': ['Decrypt', 'DescribeKey'],
          'kms:GrantConstraintType': ['EncryptionContextSubset'],
        },
        StringEquals: { 'kms:GranteePrincipal': rootOf(B) },
        StringEqualsIfExists: { 'kms:RetiringPrincipal': rootOf(B) },
        Null: { 'kms:GrantConstraintType': 'false' },
      },
    });
    const narrow = {
      KeyId: key,
      GranteePrincipal: rootOf(B),
      Operations: ['Decrypt'],
      Constraints: { EncryptionContextSubset: { app: 'b' } },
    };
    await ok('CreateGrant', narrow, rootB);
    await ok('CreateGrant', { ...narrow, RetiringPrincipal: rootOf(B) }, rootB);
    assert.match(
      await denied('CreateGrant', { ...narrow, Operations: ['Decrypt', 'Encrypt'] }, rootB),
      /kms:CreateGrant/,
    );
    await denied('CreateGrant', { ...narrow, GranteePrincipal: rootOf(C) }, rootB);
    await denied('CreateGrant', { ...narrow, RetiringPrincipal: rootOf(C) }, rootB);
    await denied('CreateGrant', { ...narrow, Constraints: undefined }, rootB);
    await denied('CreateGrant', { ...narrow, Constraints: { EncryptionContextEquals: { app: 'b' } } }, rootB);
  });

  test('kms:BypassPolicyLockoutSafetyCheck and kms:KeySpec: a guard on skipping the safety check, a key spec allowed', async () => {
    await ok('CreateKey', {}, keeper);
    const key = (await ok('CreateKey', { KeySpec: 'SYMMETRIC_DEFAULT', Policy: document(enableIam(A)) }, keeper))
      .KeyMetadata.Arn as string;
    assert.match(
      await denied('CreateKey', { Policy: document(enableIam(A)), BypassPolicyLockoutSafetyCheck: true }, keeper),
      /with an explicit deny in an identity-based policy/,
    );
    await ok(
      'PutKeyPolicy',
      { KeyId: key, Policy: document(enableIam(A)), BypassPolicyLockoutSafetyCheck: false },
      keeper,
    );
    await denied(
      'PutKeyPolicy',
      { KeyId: key, Policy: document(enableIam(A)), BypassPolicyLockoutSafetyCheck: true },
      keeper,
    );

    const { identities, userPolicies } = server.berth;
    await identities.createUser(A, 'ck-maker');
    const maker = await identities.createAccessKeyFor(A, 'ck-maker');
    await userPolicies.putUserPolicy(
      A,
      'ck-maker',
      'symmetric',
      document({
        Effect: 'Allow',
        Action: 'kms:CreateKey',
        Resource: '*',
        Condition: { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT', 'kms:KeyUsage': 'ENCRYPT_DECRYPT' } },
      }),
    );
    await ok('CreateKey', {}, maker);
    // Another spec is refused by the policy before the service says it makes none.
    await denied('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, maker);
  });
});
