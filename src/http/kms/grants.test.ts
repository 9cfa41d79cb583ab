// KMS grants through the real HTTP surface: a grant lets its grantee use a key that no policy
// lets it use, for the grant's operations and within its encryption context constraints; an
// explicit deny still wins; grants to roles and to accounts; grants made with a grant's
// CreateGrant permission; listing, retiring and revoking, DryRun, and bad requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { callApi } from '../../testing/api-client.js';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { enableIam, kmsFails, kmsOk, policyDocument as document, rootOf } from '../../testing/kms.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

const B = '222222222222';
let server: TestBerth;
let A: string;
/** A's `app` and `ops` users have no policy; B's `dev` has none, B's `user` may use any key by identity policy. */
const who = {} as Record<'app' | 'ops' | 'dev' | 'user' | 'rootB', NewAccessKey>;
const arn = (account: string, user: string) => `arn:aws:iam::${account}:user/g-${user}`;
const data = Buffer.from('granted').toString('base64');

const ok = (action: string, input: object, credentials: Credentials = TEST_ADMIN) =>
  kmsOk(server.berth.app, action, input, credentials);
const fails = (action: string, input: object, credentials: Credentials, type: string, status = 400) =>
  kmsFails(server.berth.app, action, input, credentials, type, status);

/** A key whose policy enables A's IAM policies (and B's root, for cross-account tests). */
async function newKey(): Promise<string> {
  const policy = document(enableIam(A), {
    Effect: 'Allow',
    Principal: { AWS: rootOf(B) },
    Action: 'kms:*',
    Resource: '*',
  });
  return (await ok('CreateKey', { Policy: policy })).KeyMetadata.Arn as string;
}

async function grant(input: object): Promise<{ GrantId: string; GrantToken: string }> {
  return (await ok('CreateGrant', input)) as { GrantId: string; GrantToken: string };
}

async function query(
  service: 'iam' | 'sts',
  params: Record<string, string>,
  credentials: Credentials = TEST_ADMIN,
): Promise<string> {
  const body = new URLSearchParams({ Version: service === 'iam' ? '2010-05-08' : '2011-06-15', ...params }).toString();
  const headers = await signHeaders(
    {
      method: 'POST',
      url: '/',
      host: 'localhost',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    },
    { service, credentials },
  );
  const res = await server.berth.app.inject({ method: 'POST', url: '/', headers, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = server.berth.accountId;
  const { identities, userPolicies } = server.berth;
  await identities.createAccount(B);
  for (const [name, account] of [
    ['app', A],
    ['ops', A],
    ['dev', B],
    ['user', B],
  ] as const) {
    await identities.createUser(account, `g-${name}`);
    who[name] = await identities.createAccessKeyFor(account, `g-${name}`);
  }
  who.rootB = await identities.createAccessKeyFor(B);
  await userPolicies.putUserPolicy(B, 'g-user', 'keys', document({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }));
});
after(() => server.close());

describe('a grant allows its grantee', () => {
  test('its operations only, within its encryption context constraint (keys case-insensitive), until it is retired', async () => {
    const KeyId = await newKey();
    await fails('DescribeKey', { KeyId }, who.app, 'AccessDeniedException');
    const created = await grant({
      KeyId,
      GranteePrincipal: arn(A, 'app'),
      RetiringPrincipal: arn(A, 'ops'),
      Operations: ['Encrypt', 'Decrypt', 'DescribeKey'],
      Constraints: { EncryptionContextSubset: { Team: 'web' } },
      Name: 'app-web',
    });
    assert.match(created.GrantId, /^[0-9a-f]{64}$/);
    assert.equal((await ok('DescribeKey', { KeyId }, who.app)).KeyMetadata.Arn, KeyId, 'no constraint on DescribeKey');
    const sealed = (
      await ok('Encrypt', { KeyId, Plaintext: data, EncryptionContext: { team: 'web', build: '7' } }, who.app)
    ).CiphertextBlob as string;
    assert.equal(
      (await ok('Decrypt', { CiphertextBlob: sealed, EncryptionContext: { team: 'web', build: '7' } }, who.app))
        .Plaintext,
      data,
    );
    await fails(
      'Encrypt',
      { KeyId, Plaintext: data, EncryptionContext: { team: 'ops' } },
      who.app,
      'AccessDeniedException',
    );
    await fails('Encrypt', { KeyId, Plaintext: data }, who.app, 'AccessDeniedException');
    await fails(
      'Encrypt',
      { KeyId, Plaintext: data, EncryptionContext: { team: 'WEB' } },
      who.app,
      'AccessDeniedException',
    );
    await fails('GenerateDataKey', { KeyId, EncryptionContext: { team: 'web' } }, who.app, 'AccessDeniedException');
    await fails('DescribeKey', { KeyId }, who.ops, 'AccessDeniedException', 400);

    await fails('RetireGrant', { GrantToken: created.GrantToken }, who.app, 'AccessDeniedException');
    await ok('RetireGrant', { GrantToken: created.GrantToken }, who.ops);
    await fails('DescribeKey', { KeyId }, who.app, 'AccessDeniedException');
    await fails('RetireGrant', { GrantToken: created.GrantToken }, who.ops, 'NotFoundException');
  });

  test('an explicit deny in an identity policy wins over a grant', async () => {
    const KeyId = await newKey();
    await grant({ KeyId, GranteePrincipal: arn(A, 'app'), Operations: ['DescribeKey', 'Encrypt'] });
    await server.berth.userPolicies.putUserPolicy(
      A,
      'g-app',
      'no-encrypt',
      document({ Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*' }),
    );
    try {
      await ok('DescribeKey', { KeyId }, who.app);
      assert.match(
        await fails('Encrypt', { KeyId, Plaintext: data }, who.app, 'AccessDeniedException'),
        /explicit deny/,
      );
    } finally {
      await server.berth.userPolicies.deleteUserPolicy(A, 'g-app', 'no-encrypt');
    }
  });

  test('EncryptionContextEquals takes exactly that context', async () => {
    const KeyId = await newKey();
    await grant({
      KeyId,
      GranteePrincipal: arn(A, 'app'),
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextEquals: { repo: 'a' } },
    });
    await ok('Encrypt', { KeyId, Plaintext: data, EncryptionContext: { REPO: 'a' } }, who.app);
    await fails(
      'Encrypt',
      { KeyId, Plaintext: data, EncryptionContext: { repo: 'a', more: 'x' } },
      who.app,
      'AccessDeniedException',
    );
  });

  test("a grant to a role lets the role's sessions use the key", async () => {
    const KeyId = await newKey();
    const trust = document({ Effect: 'Allow', Principal: { AWS: arn(A, 'ops') }, Action: 'sts:AssumeRole' });
    await query('iam', { Action: 'CreateRole', RoleName: 'g-signer', AssumeRolePolicyDocument: trust });
    const xml = await query(
      'sts',
      { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${A}:role/g-signer`, RoleSessionName: 'build-1' },
      who.ops,
    );
    const session: Credentials = {
      accessKeyId: /<AccessKeyId>([^<]+)/.exec(xml)![1]!,
      secretAccessKey: /<SecretAccessKey>([^<]+)/.exec(xml)![1]!,
      sessionToken: /<SessionToken>([^<]+)/.exec(xml)![1]!,
    };
    await fails('DescribeKey', { KeyId }, session, 'AccessDeniedException');
    await grant({ KeyId, GranteePrincipal: `arn:aws:iam::${A}:role/g-signer`, Operations: ['DescribeKey'] });
    await ok('DescribeKey', { KeyId }, session);
  });

  test('a grant to another account: its root may use it, its users as their identity policies allow', async () => {
    const KeyId = (await ok('CreateKey', { Policy: document(enableIam(A)) })).KeyMetadata.Arn as string;
    await fails('Encrypt', { KeyId, Plaintext: data }, who.rootB, 'AccessDeniedException');
    await grant({ KeyId, GranteePrincipal: rootOf(B), Operations: ['Encrypt'] });
    await ok('Encrypt', { KeyId, Plaintext: data }, who.rootB);
    await ok('Encrypt', { KeyId, Plaintext: data }, who.user);
    await fails('Encrypt', { KeyId, Plaintext: data }, who.dev, 'AccessDeniedException');
    await grant({ KeyId, GranteePrincipal: arn(B, 'dev'), Operations: ['Encrypt'] });
    await ok('Encrypt', { KeyId, Plaintext: data }, who.dev);
  });

  test("a grant's CreateGrant permission makes grants within it only", async () => {
    const KeyId = await newKey();
    await grant({
      KeyId,
      GranteePrincipal: arn(A, 'app'),
      Operations: ['CreateGrant', 'Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: { team: 'web' } },
    });
    const sub = { KeyId, GranteePrincipal: arn(A, 'ops'), Operations: ['Decrypt'] };
    await ok('CreateGrant', { ...sub, Constraints: { EncryptionContextSubset: { team: 'web', app: 'x' } } }, who.app);
    await ok('CreateGrant', { ...sub, Constraints: { EncryptionContextEquals: { team: 'web' } } }, who.app);
    await fails(
      'CreateGrant',
      { ...sub, Constraints: { EncryptionContextSubset: { app: 'x' } } },
      who.app,
      'AccessDeniedException',
    );
    await fails('CreateGrant', sub, who.app, 'AccessDeniedException');
    await fails(
      'CreateGrant',
      { ...sub, Operations: ['DescribeKey'], Constraints: { EncryptionContextSubset: { team: 'web' } } },
      who.app,
      'AccessDeniedException',
    );
  });
});

describe('grants are listed, retired and revoked', () => {
  test('ListGrants gives each grant as KMS does, filters by grant id and grantee, and pages', async () => {
    const KeyId = await newKey();
    const first = await grant({
      KeyId,
      GranteePrincipal: arn(A, 'app'),
      RetiringPrincipal: arn(A, 'ops'),
      Operations: ['Decrypt'],
      Name: 'one',
      Constraints: { EncryptionContextEquals: { a: 'b' } },
    });
    const second = await grant({ KeyId, GranteePrincipal: arn(A, 'ops'), Operations: ['Encrypt', 'DescribeKey'] });
    const all = (await ok('ListGrants', { KeyId })).Grants as Record<string, any>[];
    assert.equal(all.length, 2);
    const one = all.find((g) => g.GrantId === first.GrantId)!;
    assert.deepEqual(
      { ...one, CreationDate: typeof one.CreationDate },
      {
        KeyId,
        GrantId: first.GrantId,
        Name: 'one',
        CreationDate: 'number',
        GranteePrincipal: arn(A, 'app'),
        RetiringPrincipal: arn(A, 'ops'),
        IssuingAccount: rootOf(A),
        Operations: ['Decrypt'],
        Constraints: { EncryptionContextEquals: { a: 'b' } },
      },
    );
    assert.deepEqual(
      ((await ok('ListGrants', { KeyId, GranteePrincipal: arn(A, 'ops') })).Grants as { GrantId: string }[]).map(
        (g) => g.GrantId,
      ),
      [second.GrantId],
    );
    assert.deepEqual(
      ((await ok('ListGrants', { KeyId, GrantId: first.GrantId })).Grants as { GrantId: string }[]).map(
        (g) => g.GrantId,
      ),
      [first.GrantId],
    );
    const page1 = await ok('ListGrants', { KeyId, Limit: 1 });
    assert.equal(page1.Truncated, true);
    const page2 = await ok('ListGrants', { KeyId, Limit: 1, Marker: page1.NextMarker });
    assert.equal(page2.Truncated, false);
    assert.deepEqual([page1.Grants[0].GrantId, page2.Grants[0].GrantId].sort(), [first.GrantId, second.GrantId].sort());
    await fails('ListGrants', { KeyId }, who.app, 'AccessDeniedException');
    await fails('ListGrants', { KeyId, GrantId: 'nope' }, TEST_ADMIN, 'InvalidGrantIdException');
    await fails('ListGrants', { KeyId, Marker: 'nope' }, TEST_ADMIN, 'InvalidMarkerException');

    const retirable = (await ok('ListRetirableGrants', { RetiringPrincipal: arn(A, 'ops') })).Grants as {
      GrantId: string;
      KeyId: string;
    }[];
    assert.deepEqual(
      retirable.filter((g) => g.KeyId === KeyId).map((g) => g.GrantId),
      [first.GrantId],
    );
    await fails('ListRetirableGrants', { RetiringPrincipal: arn(B, 'dev') }, TEST_ADMIN, 'InvalidArnException');
    await fails('ListRetirableGrants', { RetiringPrincipal: arn(A, 'ops') }, who.app, 'AccessDeniedException');
  });

  test('a named grant asked for again identically is the same grant; otherwise a new one', async () => {
    const KeyId = await newKey();
    const input = { KeyId, GranteePrincipal: arn(A, 'app'), Operations: ['Decrypt', 'Encrypt'], Name: 'retry' };
    const first = await grant(input);
    assert.equal((await grant({ ...input, Operations: ['Encrypt', 'Decrypt'] })).GrantId, first.GrantId);
    assert.notEqual((await grant({ ...input, Operations: ['Decrypt'] })).GrantId, first.GrantId);
    assert.equal(((await ok('ListGrants', { KeyId })).Grants as unknown[]).length, 2);
  });

  test('RetireGrant: by the grantee when the grant allows it, by key and grant id by the account it was made in; RevokeGrant by policy', async () => {
    const KeyId = await newKey();
    const selfRetiring = await grant({
      KeyId,
      GranteePrincipal: arn(A, 'app'),
      Operations: ['DescribeKey', 'RetireGrant'],
    });
    const another = await grant({ KeyId, GranteePrincipal: arn(A, 'ops'), Operations: ['DescribeKey'] });
    await fails('RetireGrant', { KeyId, GrantId: another.GrantId }, who.app, 'AccessDeniedException');
    await ok('RetireGrant', { KeyId, GrantId: selfRetiring.GrantId }, who.app);
    await ok('RetireGrant', { KeyId, GrantId: another.GrantId }, TEST_ADMIN);
    const byAccount = await grant({ KeyId, GranteePrincipal: arn(A, 'app'), Operations: ['DescribeKey'] });
    await fails('RetireGrant', { KeyId, GrantId: byAccount.GrantId }, who.app, 'AccessDeniedException');
    await ok('RetireGrant', { KeyId, GrantId: byAccount.GrantId }, TEST_ADMIN);
    await fails('RetireGrant', { GrantToken: 'not-a-token' }, TEST_ADMIN, 'InvalidGrantTokenException');
    await fails('RetireGrant', { GrantId: byAccount.GrantId }, TEST_ADMIN, 'ValidationException');

    const revoked = await grant({ KeyId, GranteePrincipal: arn(A, 'app'), Operations: ['DescribeKey'] });
    await fails('RevokeGrant', { KeyId, GrantId: revoked.GrantId }, who.app, 'AccessDeniedException');
    await fails(
      'RevokeGrant',
      { KeyId, GrantId: revoked.GrantId, DryRun: true },
      TEST_ADMIN,
      'DryRunOperationException',
      412,
    );
    await ok('DescribeKey', { KeyId }, who.app);
    await ok('RevokeGrant', { KeyId, GrantId: revoked.GrantId });
    await fails('DescribeKey', { KeyId }, who.app, 'AccessDeniedException');
    await fails('RevokeGrant', { KeyId, GrantId: revoked.GrantId }, TEST_ADMIN, 'NotFoundException');
    await fails('RevokeGrant', { KeyId, GrantId: 'x' }, TEST_ADMIN, 'InvalidGrantIdException');
    assert.deepEqual((await ok('ListGrants', { KeyId })).Grants, []);
  });
});

describe("ECR's grant on a KMS repository's key", () => {
  test('CreateRepository adds a grant for ECR, listed on the key; DeleteRepository retires it', async () => {
    const KeyId = await newKey();
    const ecr = async (action: string, input: object) => {
      const res = await callApi(server.berth.app, action, input, { credentials: TEST_ADMIN });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Record<string, any>;
    };
    const { repository } = await ecr('CreateRepository', {
      repositoryName: 'granted/app',
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KeyId },
    });
    await ecr('CreateRepository', { repositoryName: 'granted/plain' });
    const [listed, ...others] = (await ok('ListGrants', { KeyId })).Grants as Record<string, any>[];
    assert.deepEqual(others, []);
    assert.equal(listed!.GranteePrincipal, 'ecr.us-east-1.amazonaws.com');
    assert.equal(listed!.RetiringPrincipal, 'ecr.us-east-1.amazonaws.com');
    assert.equal(listed!.IssuingAccount, rootOf(A));
    assert.match(listed!.Name, /^ecr-repository-/);
    assert.ok(
      ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey'].every((operation) =>
        listed!.Operations.includes(operation),
      ),
    );
    assert.equal(repository.encryptionConfiguration.kmsKey, KeyId);

    await ecr('DeleteRepository', { repositoryName: 'granted/app' });
    assert.deepEqual((await ok('ListGrants', { KeyId })).Grants, []);
  });
});

describe('bad CreateGrant requests change nothing', () => {
  test('operations a symmetric key has not, no operations, unknown or malformed principals, bad constraints, DryRun, a key pending deletion', async () => {
    const KeyId = await newKey();
    const base = { KeyId, GranteePrincipal: arn(A, 'app'), Operations: ['Decrypt'] };
    assert.match(
      await fails('CreateGrant', { ...base, Operations: ['Sign'] }, TEST_ADMIN, 'ValidationException'),
      /Sign/,
    );
    await fails('CreateGrant', { ...base, Operations: ['Fly'] }, TEST_ADMIN, 'ValidationException');
    await fails('CreateGrant', { ...base, Operations: [] }, TEST_ADMIN, 'ValidationException');
    await fails('CreateGrant', { ...base, GranteePrincipal: arn(A, 'nobody') }, TEST_ADMIN, 'ValidationException');
    await fails('CreateGrant', { ...base, GranteePrincipal: arn(A, 'nobody') }, who.app, 'AccessDeniedException', 400);
    await fails('CreateGrant', { ...base, RetiringPrincipal: 'someone' }, TEST_ADMIN, 'ValidationException');
    await fails('CreateGrant', { ...base, GranteePrincipal: 'bad principal!' }, TEST_ADMIN, 'ValidationException');
    await fails(
      'CreateGrant',
      { ...base, Constraints: { EncryptionContextSubset: {} } },
      TEST_ADMIN,
      'ValidationException',
    );
    await fails('CreateGrant', { ...base, Name: 'spaces are not allowed' }, TEST_ADMIN, 'ValidationException');
    await fails('CreateGrant', { ...base, DryRun: true }, TEST_ADMIN, 'DryRunOperationException', 412);
    await fails('CreateGrant', base, who.app, 'AccessDeniedException');
    assert.deepEqual((await ok('ListGrants', { KeyId })).Grants, []);
    await ok('CreateGrant', { ...base, GranteePrincipal: `ecr.us-east-1.amazonaws.com` });
    await ok('ScheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
    await fails('CreateGrant', base, TEST_ADMIN, 'KMSInvalidStateException');
  });
});
