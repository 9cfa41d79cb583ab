// The key service's API through the real HTTP surface (AWS JSON 1.1, SigV4 for kms): the key
// lifecycle, aliases, policies, rotation that keeps old material, and every refusal by the
// KMS model's exception names.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callKms } from '../../testing/kms.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
const kms = (action: string, input: unknown = {}) => callKms(server.berth.app, action, input);

async function ok(action: string, input: unknown = {}): Promise<Record<string, any>> {
  const res = await kms(action, input);
  assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function refused(action: string, input: unknown, type: string): Promise<void> {
  const res = await kms(action, input);
  assert.equal(res.status, 400, `${action} should fail with ${type}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.__type, type);
  assert.ok(String(res.body.message).length > 0);
}

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } }, listen: false });
});
after(() => server.close());

describe('key service API', () => {
  test('CreateKey, DescribeKey and ListKeys speak the model shapes', async () => {
    const { KeyMetadata: key } = await ok('CreateKey', { Description: 'team key' });
    assert.match(key.KeyId, /^[0-9a-f-]{36}$/);
    assert.equal(key.Arn, `arn:aws:kms:us-east-1:${server.berth.accountId}:key/${key.KeyId}`);
    assert.deepEqual(
      { ...key, CreationDate: undefined },
      {
        AWSAccountId: server.berth.accountId,
        KeyId: key.KeyId,
        Arn: key.Arn,
        CreationDate: undefined,
        Enabled: true,
        Description: 'team key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    );
    assert.ok(Math.abs(key.CreationDate * 1000 - Date.now()) < 60_000);
    for (const ref of [key.KeyId, key.Arn])
      assert.equal((await ok('DescribeKey', { KeyId: ref })).KeyMetadata.KeyId, key.KeyId);
    const second = (await ok('CreateKey', {})).KeyMetadata;
    const first = await ok('ListKeys', { Limit: 1 });
    assert.equal(first.Keys.length, 1);
    assert.equal(first.Truncated, true);
    const rest = await ok('ListKeys', { Marker: first.NextMarker });
    const listed = [...first.Keys, ...rest.Keys].map((k: { KeyId: string }) => k.KeyId);
    assert.ok(listed.includes(key.KeyId) && listed.includes(second.KeyId));
    assert.equal(rest.Truncated, false);
  });

  test('aliases name keys; policies and rotation are kept', async () => {
    const { KeyMetadata: key } = await ok('CreateKey', {});
    await ok('CreateAlias', { AliasName: 'alias/team/app', TargetKeyId: key.KeyId });
    await refused('CreateAlias', { AliasName: 'alias/team/app', TargetKeyId: key.KeyId }, 'AlreadyExistsException');
    await refused('CreateAlias', { AliasName: 'alias/aws/mine', TargetKeyId: key.KeyId }, 'InvalidAliasNameException');
    await refused('CreateAlias', { AliasName: 'team', TargetKeyId: key.KeyId }, 'InvalidAliasNameException');
    assert.equal((await ok('DescribeKey', { KeyId: 'alias/team/app' })).KeyMetadata.KeyId, key.KeyId);
    assert.equal(
      (await ok('DescribeKey', { KeyId: `arn:aws:kms:us-east-1:${server.berth.accountId}:alias/team/app` })).KeyMetadata
        .KeyId,
      key.KeyId,
    );
    const { Aliases } = await ok('ListAliases', { KeyId: key.KeyId });
    assert.deepEqual(
      Aliases.map((a: { AliasName: string; TargetKeyId: string; AliasArn: string }) => [
        a.AliasName,
        a.TargetKeyId,
        a.AliasArn,
      ]),
      [['alias/team/app', key.KeyId, `arn:aws:kms:us-east-1:${server.berth.accountId}:alias/team/app`]],
    );

    const policy = JSON.parse((await ok('GetKeyPolicy', { KeyId: key.KeyId })).Policy as string);
    assert.equal(policy.Statement[0].Principal.AWS, `arn:aws:iam::${server.berth.accountId}:root`);
    const mine = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        policy.Statement[0],
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    await ok('PutKeyPolicy', { KeyId: key.KeyId, Policy: mine });
    assert.equal((await ok('GetKeyPolicy', { KeyId: key.KeyId, PolicyName: 'default' })).Policy, mine);
    assert.deepEqual((await ok('ListKeyPolicies', { KeyId: key.KeyId })).PolicyNames, ['default']);
    await refused('PutKeyPolicy', { KeyId: key.KeyId, Policy: 'not json' }, 'MalformedPolicyDocumentException');

    assert.equal((await ok('GetKeyRotationStatus', { KeyId: key.KeyId })).KeyRotationEnabled, false);
    await ok('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 180 });
    const status = await ok('GetKeyRotationStatus', { KeyId: key.KeyId });
    assert.deepEqual(
      { ...status, NextRotationDate: undefined },
      { KeyRotationEnabled: true, KeyId: key.Arn, RotationPeriodInDays: 180, NextRotationDate: undefined },
    );
    assert.ok(Math.abs(status.NextRotationDate * 1000 - (key.CreationDate * 1000 + 180 * 86_400_000)) < 60_000);
    await ok('DisableKeyRotation', { KeyId: key.KeyId });
    assert.equal((await ok('GetKeyRotationStatus', { KeyId: key.KeyId })).KeyRotationEnabled, false);
  });

  test('rotation keeps old material: what it encrypted still decrypts', async () => {
    const { KeyMetadata: key } = await ok('CreateKey', {});
    const plaintext = Buffer.from('secret before rotation').toString('base64');
    const before = await ok('Encrypt', { KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { repo: 'a' } });
    await ok('RotateKeyOnDemand', { KeyId: key.KeyId });
    const afterRotation = await ok('Encrypt', {
      KeyId: key.KeyId,
      Plaintext: plaintext,
      EncryptionContext: { repo: 'a' },
    });
    for (const blob of [before.CiphertextBlob, afterRotation.CiphertextBlob]) {
      const out = await ok('Decrypt', { CiphertextBlob: blob, EncryptionContext: { repo: 'a' } });
      assert.equal(out.Plaintext, plaintext);
      assert.equal(out.KeyId, key.Arn);
    }
    await refused(
      'Decrypt',
      { CiphertextBlob: before.CiphertextBlob, EncryptionContext: { repo: 'b' } },
      'InvalidCiphertextException',
    );
    const data = await ok('GenerateDataKey', { KeyId: key.KeyId, KeySpec: 'AES_256' });
    assert.equal(Buffer.from(data.Plaintext, 'base64').length, 32);
    assert.equal((await ok('Decrypt', { CiphertextBlob: data.CiphertextBlob })).Plaintext, data.Plaintext);
  });

  test('automatic rotation: a key whose period ended gets new material, and old ciphertext still decrypts', async () => {
    const { KeyMetadata: key } = await ok('CreateKey', {});
    const old = (await ok('Encrypt', { KeyId: key.KeyId, Plaintext: 'b2xk' })).CiphertextBlob as string;
    await ok('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const keys = server.berth.keys;
    assert.equal(await keys.rotateDue(Date.now()), 0, 'not due yet');
    const later = Date.now() + 91 * 86_400_000;
    assert.ok((await keys.rotateDue(later)) >= 1);
    assert.equal(await keys.rotateDue(later), 0, 'rotated once per period');
    const latest = await server.berth.store.kms.material(key.KeyId);
    assert.equal(latest!.version, 2);
    assert.equal((await ok('Decrypt', { CiphertextBlob: old })).Plaintext, 'b2xk');
    const fresh = (await ok('Encrypt', { KeyId: key.KeyId, Plaintext: 'bmV3' })).CiphertextBlob as string;
    assert.equal(Buffer.from(fresh, 'base64').readUInt32BE(37), 2, 'new ciphertext uses the new material');
    assert.equal((await ok('Decrypt', { CiphertextBlob: fresh })).Plaintext, 'bmV3');
  });

  test('disable, schedule deletion and cancel: states and what each refuses', async () => {
    const { KeyMetadata: key } = await ok('CreateKey', {});
    const blob = (await ok('Encrypt', { KeyId: key.KeyId, Plaintext: 'AAAA' })).CiphertextBlob;
    await ok('DisableKey', { KeyId: key.KeyId });
    assert.deepEqual(
      [
        (await ok('DescribeKey', { KeyId: key.KeyId })).KeyMetadata.KeyState,
        (await ok('DescribeKey', { KeyId: key.KeyId })).KeyMetadata.Enabled,
      ],
      ['Disabled', false],
    );
    await refused('Encrypt', { KeyId: key.KeyId, Plaintext: 'AAAA' }, 'DisabledException');
    await refused('Decrypt', { CiphertextBlob: blob }, 'DisabledException');
    await ok('EnableKey', { KeyId: key.KeyId });
    assert.equal((await ok('Decrypt', { CiphertextBlob: blob })).Plaintext, 'AAAA');
    await refused('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 3 }, 'ValidationException');
    const scheduled = await ok('ScheduleKeyDeletion', { KeyId: key.KeyId, PendingWindowInDays: 7 });
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 7);
    assert.ok(Math.abs(scheduled.DeletionDate * 1000 - (Date.now() + 7 * 86_400_000)) < 60_000);
    await refused('Decrypt', { CiphertextBlob: blob }, 'KMSInvalidStateException');
    await refused('EnableKey', { KeyId: key.KeyId }, 'KMSInvalidStateException');
    await refused('ScheduleKeyDeletion', { KeyId: key.KeyId }, 'KMSInvalidStateException');
    assert.equal((await ok('CancelKeyDeletion', { KeyId: key.KeyId })).KeyId, key.Arn);
    assert.equal((await ok('DescribeKey', { KeyId: key.KeyId })).KeyMetadata.KeyState, 'Disabled');
    await refused('CancelKeyDeletion', { KeyId: key.KeyId }, 'KMSInvalidStateException');
  });

  test('unknown keys, bad input and unknown actions are refused by name', async () => {
    await refused('DescribeKey', { KeyId: '11111111-2222-3333-4444-555555555555' }, 'NotFoundException');
    await refused('DescribeKey', { KeyId: 'alias/missing' }, 'NotFoundException');
    await refused('DescribeKey', { KeyId: 'arn:aws:s3:::bucket' }, 'InvalidArnException');
    await refused('DescribeKey', {}, 'ValidationException');
    await refused('ListKeys', { Limit: 0 }, 'ValidationException');
    await refused('CreateKey', { KeySpec: 'RSA_2048' }, 'UnsupportedOperationException');
    await refused(
      'Decrypt',
      { CiphertextBlob: Buffer.from('not ours').toString('base64') },
      'InvalidCiphertextException',
    );
    const unknown = await kms('ImportKeyMaterial', {});
    assert.equal(unknown.body.__type, 'UnknownOperationException');
  });

  test('a request signed for another service is refused', async () => {
    const { callApi } = await import('../../testing/api-client.js');
    const res = await callApi(server.berth.app, 'ListKeys', {}, { target: 'TrentService.ListKeys', service: 'ecr' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /InvalidSignatureException|IncompleteSignatureException/);
  });

  test('the key service asks the policy engine: a user may do only what a policy allows it', async () => {
    const account = server.berth.accountId;
    await server.berth.identities.createUser(account, 'kms-dev');
    const dev = await server.berth.identities.createAccessKeyFor(account, 'kms-dev');
    const as = (action: string, input: unknown = {}) => callKms(server.berth.app, action, input, dev);
    for (const action of ['ListKeys', 'CreateKey']) {
      const denied = await as(action);
      assert.equal(denied.status, 400, JSON.stringify(denied.body));
      assert.equal(denied.body.__type, 'AccessDeniedException');
    }
    const policy = (statement: Record<string, unknown>) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    // A registry policy naming the user for every action never grants kms: actions (KMS decides by identity policies).
    await server.berth.store.policies.putRegistryPolicy(
      account,
      policy({ Effect: 'Allow', Principal: { AWS: dev.user.arn }, Action: '*', Resource: '*' }),
      Date.now(),
    );
    assert.equal((await as('ListKeys')).body.__type, 'AccessDeniedException');
    await server.berth.store.policies.deleteRegistryPolicy(account);
    await server.berth.userPolicies.putUserPolicy(
      account,
      'kms-dev',
      'keys',
      policy({ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:DescribeKey'], Resource: '*' }),
    );
    const created = await as('CreateKey', { Description: 'dev key' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const keyArn = created.body.KeyMetadata.Arn as string;
    assert.equal((await as('DescribeKey', { KeyId: keyArn })).status, 200);
    assert.equal((await as('ListKeys')).body.__type, 'AccessDeniedException');
    await server.berth.userPolicies.putUserPolicy(
      account,
      'kms-dev',
      'not-this-key',
      policy({ Effect: 'Deny', Action: 'kms:*', Resource: keyArn }),
    );
    assert.equal((await as('DescribeKey', { KeyId: keyArn })).body.__type, 'AccessDeniedException');
    // The account's administrator is not limited by the user's policies.
    assert.equal((await kms('DescribeKey', { KeyId: keyArn })).status, 200);
  });
});
