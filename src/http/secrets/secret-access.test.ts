// Secrets Manager's values and access through the real HTTP surface with the SDK: a KMS key of the
// secret seals its values (and its key policy decides for the caller), resource policies and tags
// decide through the one authorizer, and another account reads only what a secret's policy grants.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { NewAccessKey } from '../../iam/identities.js';
import { kmsOk, policyDocument } from '../../testing/kms.js';
import { secretsClient, secretsFails as fails } from '../../testing/secrets.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let sm: SecretsManagerClient;
let reader: NewAccessKey & { user: { arn: string } };
const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  secretsClient(server.url, credentials);

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  sm = client(TEST_ADMIN);
  const { identities } = server.berth;
  await identities.createUser(server.berth.accountId, 'sm-reader');
  reader = await identities.createAccessKeyFor(server.berth.accountId, 'sm-reader');
  await sm.send(new CreateSecretCommand({ Name: 'app/db', SecretString: '{"password":"one"}' }));
});
after(async () => {
  sm.destroy();
  await server.close();
});

describe('Secrets Manager: keys and access', () => {
  test('a KMS key of the secret seals its values; a disabled key refuses', async () => {
    const app = server.berth.app;
    const key = (await kmsOk(app, 'CreateKey', {})).KeyMetadata;
    await kmsOk(app, 'CreateAlias', { AliasName: 'alias/secrets', TargetKeyId: key.KeyId });
    await sm.send(
      new CreateSecretCommand({ Name: 'kms/one', SecretString: 'sealed-by-kms', KmsKeyId: 'alias/secrets' }),
    );
    assert.equal((await sm.send(new DescribeSecretCommand({ SecretId: 'kms/one' }))).KmsKeyId, key.Arn);
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'kms/one' }))).SecretString, 'sealed-by-kms');
    // What the store keeps is not the value.
    const secret = (await server.berth.store.secrets.get(server.berth.accountId, 'kms/one'))!;
    const [version] = await server.berth.store.secrets.versions(secret.id);
    assert.ok(version!.sealed.includes(key.Arn) && !version!.sealed.includes('sealed-by-kms'));
    const master = (
      await server.berth.store.secrets.versions(
        (await server.berth.store.secrets.get(server.berth.accountId, 'app/db'))!.id,
      )
    )[0]!;
    assert.ok(!master.sealed.includes('password'));

    await kmsOk(app, 'DisableKey', { KeyId: key.KeyId });
    await fails(sm.send(new GetSecretValueCommand({ SecretId: 'kms/one' })), 'DecryptionFailure');
    await fails(sm.send(new PutSecretValueCommand({ SecretId: 'kms/one', SecretString: 'x' })), 'EncryptionFailure');
    await kmsOk(app, 'EnableKey', { KeyId: key.KeyId });
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'kms/one' }))).SecretString, 'sealed-by-kms');
    await fails(
      sm.send(new CreateSecretCommand({ Name: 'kms/two', SecretString: 'x', KmsKeyId: 'alias/none' })),
      'EncryptionFailure',
    );
    // Back to the master key: new versions are sealed by it, older ones still read through KMS.
    await sm.send(new UpdateSecretCommand({ SecretId: 'kms/one', KmsKeyId: '', SecretString: 'by-master' }));
    assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'kms/one' }))).SecretString, 'by-master');
    const prev = await sm.send(new GetSecretValueCommand({ SecretId: 'kms/one', VersionStage: 'AWSPREVIOUS' }));
    assert.equal(prev.SecretString, 'sealed-by-kms');
  });

  test("the caller needs the key's kms:Decrypt through Secrets Manager to read a KMS secret", async () => {
    const app = server.berth.app;
    const A = server.berth.accountId;
    const key = (
      await kmsOk(app, 'CreateKey', {
        Policy: policyDocument(
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Effect: 'Deny',
            Principal: { AWS: reader.user.arn },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
          },
        ),
      })
    ).KeyMetadata;
    await sm.send(new CreateSecretCommand({ Name: 'kms/guarded', SecretString: 'guarded', KmsKeyId: key.Arn }));
    await server.berth.userPolicies.putUserPolicy(
      A,
      'sm-reader',
      'read-guarded',
      policyDocument({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'kms:Decrypt'], Resource: '*' }),
    );
    const asReader = client(reader);
    try {
      const message = await fails(
        asReader.send(new GetSecretValueCommand({ SecretId: 'kms/guarded' })),
        'AccessDeniedException',
      );
      assert.match(message, /kms:Decrypt/);
      assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'kms/guarded' }))).SecretString, 'guarded');
    } finally {
      asReader.destroy();
      await server.berth.userPolicies.deleteUserPolicy(A, 'sm-reader', 'read-guarded');
    }
  });

  test('resource policies and tags decide through the one authorizer', async () => {
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'shared/one', SecretString: 'for the reader' }));
    const asReader = client(reader);
    try {
      await fails(asReader.send(new GetSecretValueCommand({ SecretId: ARN })), 'AccessDeniedException');
      const policy = policyDocument({
        Effect: 'Allow',
        Principal: { AWS: reader.user.arn },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/stage': 'prod' } },
      });
      await sm.send(new PutResourcePolicyCommand({ SecretId: 'shared/one', ResourcePolicy: policy }));
      assert.equal((await sm.send(new GetResourcePolicyCommand({ SecretId: 'shared/one' }))).ResourcePolicy, policy);
      // The policy's condition reads the secret's tags.
      await fails(asReader.send(new GetSecretValueCommand({ SecretId: ARN })), 'AccessDeniedException');
      await sm.send(new TagResourceCommand({ SecretId: 'shared/one', Tags: [{ Key: 'stage', Value: 'prod' }] }));
      assert.equal((await asReader.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString, 'for the reader');
      await fails(asReader.send(new DescribeSecretCommand({ SecretId: ARN })), 'AccessDeniedException');
      await sm.send(new UntagResourceCommand({ SecretId: 'shared/one', TagKeys: ['stage'] }));
      await fails(asReader.send(new GetSecretValueCommand({ SecretId: ARN })), 'AccessDeniedException');
      await sm.send(new TagResourceCommand({ SecretId: 'shared/one', Tags: [{ Key: 'stage', Value: 'prod' }] }));
      await sm.send(new DeleteResourcePolicyCommand({ SecretId: 'shared/one' }));
      assert.equal((await sm.send(new GetResourcePolicyCommand({ SecretId: 'shared/one' }))).ResourcePolicy, undefined);
      await fails(asReader.send(new GetSecretValueCommand({ SecretId: ARN })), 'AccessDeniedException');
      // An explicit deny in the secret's policy wins over the account's root too.
      await sm.send(
        new PutResourcePolicyCommand({
          SecretId: 'shared/one',
          ResourcePolicy: policyDocument({
            Effect: 'Deny',
            Principal: '*',
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          }),
        }),
      );
      await fails(sm.send(new GetSecretValueCommand({ SecretId: 'shared/one' })), 'AccessDeniedException');
    } finally {
      asReader.destroy();
    }
  });

  test("another account reads a secret by its ARN only when the secret's policy names it", async () => {
    const B = '222222222222';
    await server.berth.identities.createAccount(B);
    const rootB = client(await server.berth.identities.createAccessKeyFor(B));
    try {
      const { ARN } = await sm.send(new CreateSecretCommand({ Name: 'cross/one', SecretString: 'for B' }));
      await fails(rootB.send(new GetSecretValueCommand({ SecretId: ARN })), 'AccessDeniedException');
      // By name, B names a secret of its own account: there is none.
      await fails(rootB.send(new GetSecretValueCommand({ SecretId: 'cross/one' })), 'ResourceNotFoundException');
      await sm.send(
        new PutResourcePolicyCommand({
          SecretId: ARN,
          ResourcePolicy: policyDocument({
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${B}:root` },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          }),
        }),
      );
      assert.equal((await rootB.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString, 'for B');
      // Its ARN without the suffix names it too, in its own account.
      assert.equal(
        (await rootB.send(new GetSecretValueCommand({ SecretId: ARN!.slice(0, -7) }))).SecretString,
        'for B',
      );
      await fails(rootB.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: 'x' })), 'AccessDeniedException');
    } finally {
      rootB.destroy();
    }
  });
});
