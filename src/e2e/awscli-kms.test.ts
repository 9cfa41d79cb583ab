// The AWS CLI v2 drives the key service (`aws kms ...` against `berth serve`) through a key's
// whole lifecycle, and skopeo shows what it means for a KMS repository: pulls fail clearly
// while the key is disabled or pending deletion and work again once it is enabled.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { ADMIN_ENV, tempDir } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

const AWS = AWS_CLI;

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;
let scratch: string;

before(async () => {
  scratch = tempDir('berth-awscli-kms-');
  layout = new OciLayout(join(scratch, 'layout'));
  image = layout.addImage([4096, 300 * 1024]);
  layout.tag(image, 'img');
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
});

after(async () => {
  await berth.close();
  rmSync(scratch, { recursive: true, force: true });
});

const aws = (args: string[]) =>
  runProgram(AWS, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1'], ADMIN_ENV);

async function json(args: string[]): Promise<Record<string, any>> {
  const result = await aws([...args, '--output', 'json']);
  assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout || '{}') as Record<string, any>;
}

async function fails(args: string[], exception: string): Promise<string> {
  const result = await aws(args);
  assert.notEqual(result.code, 0, `aws ${args.join(' ')} should fail`);
  assert.match(result.stderr, new RegExp(`\\(${exception}\\)`));
  return result.stderr;
}

describe('the AWS CLI v2 drives the key service', () => {
  it('create-key, aliases, policies, rotation, encrypt/decrypt, disable, schedule and cancel deletion', async (t) => {
    if (!requireClients(t)) return;
    const { KeyMetadata: key } = await json(['kms', 'create-key', '--description', 'cli key']);
    assert.equal(key.KeyState, 'Enabled');
    assert.equal(key.Description, 'cli key');
    assert.match(key.Arn, /^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    await json(['kms', 'create-alias', '--alias-name', 'alias/cli', '--target-key-id', key.KeyId]);
    assert.equal((await json(['kms', 'describe-key', '--key-id', 'alias/cli'])).KeyMetadata.KeyId, key.KeyId);
    const keys = await json(['kms', 'list-keys']);
    assert.ok(keys.Keys.some((k: { KeyId: string }) => k.KeyId === key.KeyId));
    const aliases = await json(['kms', 'list-aliases', '--key-id', key.KeyId]);
    assert.deepEqual(
      aliases.Aliases.map((a: { AliasName: string }) => a.AliasName),
      ['alias/cli'],
    );

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'cli', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
    });
    await json(['kms', 'put-key-policy', '--key-id', key.KeyId, '--policy-name', 'default', '--policy', policy]);
    assert.deepEqual(
      JSON.parse((await json(['kms', 'get-key-policy', '--key-id', key.KeyId, '--policy-name', 'default'])).Policy),
      JSON.parse(policy),
    );
    assert.deepEqual((await json(['kms', 'list-key-policies', '--key-id', key.KeyId])).PolicyNames, ['default']);
    await json(['kms', 'enable-key-rotation', '--key-id', key.KeyId]);
    assert.equal((await json(['kms', 'get-key-rotation-status', '--key-id', key.KeyId])).KeyRotationEnabled, true);
    await json(['kms', 'disable-key-rotation', '--key-id', key.KeyId]);
    assert.equal((await json(['kms', 'get-key-rotation-status', '--key-id', key.KeyId])).KeyRotationEnabled, false);

    const plainFile = join(scratch, 'plain.txt');
    writeFileSync(plainFile, 'kept by the key service');
    const encrypted = await json(['kms', 'encrypt', '--key-id', 'alias/cli', '--plaintext', `fileb://${plainFile}`]);
    const blobFile = join(scratch, 'blob.bin');
    writeFileSync(blobFile, Buffer.from(encrypted.CiphertextBlob, 'base64'));
    const decrypted = await json(['kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`]);
    assert.equal(Buffer.from(decrypted.Plaintext, 'base64').toString('utf8'), readFileSync(plainFile, 'utf8'));

    await json(['kms', 'disable-key', '--key-id', key.KeyId]);
    assert.equal((await json(['kms', 'describe-key', '--key-id', key.KeyId])).KeyMetadata.KeyState, 'Disabled');
    await fails(['kms', 'decrypt', '--ciphertext-blob', `fileb://${blobFile}`], 'DisabledException');
    await json(['kms', 'enable-key', '--key-id', key.KeyId]);
    const scheduled = await json([
      'kms',
      'schedule-key-deletion',
      '--key-id',
      key.KeyId,
      '--pending-window-in-days',
      '7',
    ]);
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    await fails(['kms', 'enable-key', '--key-id', key.KeyId], 'KMSInvalidStateException');
    await json(['kms', 'cancel-key-deletion', '--key-id', key.KeyId]);
    assert.equal((await json(['kms', 'describe-key', '--key-id', key.KeyId])).KeyMetadata.KeyState, 'Disabled');
    await fails(['kms', 'describe-key', '--key-id', 'alias/missing'], 'NotFoundException');
  });

  it('grants: create-grant lets a user with no policy encrypt within the constraint; list-grants, list-retirable-grants, retire-grant, revoke-grant', async (t) => {
    if (!requireAwsCli(t)) return;
    const { KeyMetadata: key } = await json(['kms', 'create-key', '--description', 'granted']);
    const { User: user } = await json(['iam', 'create-user', '--user-name', 'cli-grantee']);
    const { AccessKey: access } = await json(['iam', 'create-access-key', '--user-name', 'cli-grantee']);
    const plainFile = join(scratch, 'granted.txt');
    writeFileSync(plainFile, 'under a grant');
    const encrypt = (context: string) =>
      runProgram(
        AWS,
        [
          'kms',
          'encrypt',
          '--key-id',
          key.KeyId,
          '--plaintext',
          `fileb://${plainFile}`,
          '--encryption-context',
          context,
          '--endpoint-url',
          berth.url,
          '--region',
          'us-east-1',
        ],
        { AWS_ACCESS_KEY_ID: access.AccessKeyId, AWS_SECRET_ACCESS_KEY: access.SecretAccessKey, AWS_PAGER: '' },
      );
    assert.match((await encrypt('team=web')).stderr, /\(AccessDeniedException\)/);

    const root = user.Arn.replace(/:user\/.*$/, ':root');
    const created = await json([
      'kms',
      'create-grant',
      '--key-id',
      key.KeyId,
      '--grantee-principal',
      user.Arn,
      '--retiring-principal',
      root,
      '--operations',
      'Encrypt',
      'Decrypt',
      '--constraints',
      'EncryptionContextSubset={team=web}',
      '--name',
      'cli-grant',
    ]);
    assert.equal((await encrypt('team=web')).code, 0);
    assert.match((await encrypt('team=ops')).stderr, /\(AccessDeniedException\)/);
    const { Grants: grants } = await json(['kms', 'list-grants', '--key-id', key.KeyId]);
    assert.deepEqual(
      grants.map((g: Record<string, any>) => [
        g.GrantId,
        g.Name,
        g.GranteePrincipal,
        g.RetiringPrincipal,
        g.Operations,
        g.Constraints,
      ]),
      [
        [
          created.GrantId,
          'cli-grant',
          user.Arn,
          root,
          ['Encrypt', 'Decrypt'],
          { EncryptionContextSubset: { team: 'web' } },
        ],
      ],
    );
    const { Grants: retirable } = await json(['kms', 'list-retirable-grants', '--retiring-principal', root]);
    assert.ok(retirable.some((g: Record<string, any>) => g.GrantId === created.GrantId && g.KeyId === key.Arn));
    await json(['kms', 'retire-grant', '--grant-token', created.GrantToken]);
    assert.match((await encrypt('team=web')).stderr, /\(AccessDeniedException\)/);

    const again = await json([
      'kms',
      'create-grant',
      '--key-id',
      key.KeyId,
      '--grantee-principal',
      user.Arn,
      '--operations',
      'Encrypt',
    ]);
    assert.equal((await encrypt('team=any')).code, 0);
    await json(['kms', 'revoke-grant', '--key-id', key.KeyId, '--grant-id', again.GrantId]);
    assert.match((await encrypt('team=any')).stderr, /\(AccessDeniedException\)/);
    assert.deepEqual((await json(['kms', 'list-grants', '--key-id', key.KeyId])).Grants, []);
    await fails(['kms', 'revoke-grant', '--key-id', key.KeyId, '--grant-id', again.GrantId], 'NotFoundException');
  });

  it('a KMS repository: skopeo pulls until the key is disabled, fails clearly, and pulls again once it is enabled', async (t) => {
    if (!requireClients(t)) return;
    const { KeyMetadata: key } = await json(['kms', 'create-key']);
    const created = await json([
      'ecr',
      'create-repository',
      '--repository-name',
      'cli/sealed',
      '--encryption-configuration',
      `encryptionType=KMS,kmsKey=${key.KeyId}`,
    ]);
    assert.deepEqual(created.repository.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: key.Arn });
    const creds = `AWS:${(await aws(['ecr', 'get-login-password'])).stdout.trim()}`;
    await skopeo([
      'copy',
      '--dest-creds',
      creds,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/cli/sealed:v1`,
    ]);
    const pull = (n: number) =>
      skopeo([
        'copy',
        '--src-creds',
        creds,
        '--src-tls-verify=false',
        `docker://${berth.host}/cli/sealed:v1`,
        `oci:${join(scratch, `out-${n}`)}:img`,
      ]);
    await pull(1);

    await json(['kms', 'disable-key', '--key-id', key.KeyId]);
    await assert.rejects(pull(2), /denied|KMS key unavailable|DisabledException/i);
    const described = await aws([
      'ecr',
      'batch-get-image',
      '--repository-name',
      'cli/sealed',
      '--image-ids',
      'imageTag=v1',
    ]);
    assert.match(described.stderr, /\(KmsException\)/);

    await json(['kms', 'enable-key', '--key-id', key.KeyId]);
    await pull(3);
    const pulled = JSON.parse(readFileSync(join(scratch, 'out-3', 'index.json'), 'utf8')) as {
      manifests: Descriptor[];
    };
    assert.equal(pulled.manifests[0]!.digest, image.digest);

    await json(['kms', 'schedule-key-deletion', '--key-id', key.KeyId, '--pending-window-in-days', '7']);
    await assert.rejects(pull(4), /denied|KMS key unavailable|KMSInvalidStateException/i);
    await json(['kms', 'cancel-key-deletion', '--key-id', key.KeyId]);
    await json(['kms', 'enable-key', '--key-id', key.KeyId]);
    await pull(5);
  });
});
