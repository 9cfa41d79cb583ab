// Key policies end to end with the AWS CLI v2, `berth admin` and skopeo against `berth serve`:
// the lockout safety check and its bypass, and account B's repository encrypted with account
// A's key, refused until A's key policy shares the key with B for ECR's use (kms:ViaService),
// then pushed and pulled by skopeo.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { scratchDirs, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { berthAdmin, eventually, ServedBerth, skopeo } from './support.js';

const B = '222222222222';
const REPO = 'xacct/sealed';
const ROOT_A = {
  ...ADMIN_ENV,
};
const scratch = scratchDirs();

let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;
let adminEnv: NodeJS.ProcessEnv;
let A: string;

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

before(async () => {
  layout = new OciLayout(scratch.make('berth-kmspol-layout-'));
  image = layout.addImage([4096, 128 * 1024]);
  layout.tag(image, 'img');
  // `localhost` addresses account B's registry; 127.0.0.1 (berth.host) the default account A's.
  const config = join(scratch.make('berth-kmspol-config-'), 'berth.yaml');
  writeFileSync(config, `accounts:\n  hosts:\n    localhost: "${B}"\n`);
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' }, ['--config', config]);
  const metadataUrl = await testMetadataUrl(berth.dataDir);
  adminEnv = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
});

after(async () => {
  await berth?.close();
  scratch.remove();
});

const aws = (args: string[], env: NodeJS.ProcessEnv) =>
  runProgram(AWS_CLI, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'], env);

async function awsOk(args: string[], env: NodeJS.ProcessEnv = ROOT_A): Promise<Record<string, any>> {
  const result = await aws(args, env);
  assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout || '{}') as Record<string, any>;
}

async function awsFails(args: string[], env: NodeJS.ProcessEnv, exception: string, message?: RegExp): Promise<void> {
  const result = await aws(args, env);
  assert.notEqual(result.code, 0, `aws ${args.join(' ')} should fail`);
  assert.match(result.stderr, new RegExp(`\\(${exception}\\)`), result.stderr);
  if (message) assert.match(result.stderr, message);
}

const admin = (args: string[]) => berthAdmin(berth.dataDir, adminEnv, args);

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const enableIam = (account: string) => ({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});

describe('key policies through the AWS CLI v2', () => {
  it('put-key-policy: the lockout safety check refuses a policy that shuts the caller out; --bypass-policy-lockout-safety-check stores it', async (t) => {
    if (!requireClients(t)) return;
    A = (await awsOk(['kms', 'create-key'])).KeyMetadata.AWSAccountId;
    const { KeyMetadata: key } = await awsOk(['kms', 'create-key']);
    const onlyB = policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Action: 'kms:*',
      Resource: '*',
    });
    await awsFails(
      ['kms', 'put-key-policy', '--key-id', key.KeyId, '--policy-name', 'default', '--policy', onlyB],
      ROOT_A,
      'MalformedPolicyDocumentException',
      /The new key policy will not allow you to update the key policy in the future\./,
    );
    await awsFails(['kms', 'create-key', '--policy', onlyB], ROOT_A, 'MalformedPolicyDocumentException');
    await awsOk(['kms', 'describe-key', '--key-id', key.KeyId]);
    await awsOk([
      'kms',
      'put-key-policy',
      '--key-id',
      key.KeyId,
      '--policy-name',
      'default',
      '--policy',
      onlyB,
      '--bypass-policy-lockout-safety-check',
    ]);
    // The account's root is not implied: the key is out of its reach now.
    await awsFails(
      ['kms', 'describe-key', '--key-id', key.KeyId],
      ROOT_A,
      'AccessDeniedException',
      /no resource-based policy allows the kms:DescribeKey action/,
    );
  });

  it("account B's repository with A's key: refused until A's key policy shares it, then skopeo pushes and pulls through it", async (t) => {
    if (!requireClients(t)) return;
    A ??= (await awsOk(['kms', 'create-key'])).KeyMetadata.AWSAccountId;
    const { KeyMetadata: key } = await awsOk(['kms', 'create-key', '--description', 'shared with B']);

    await admin(['accounts', 'create', '--id', B]);
    await admin(['users', 'create', '--account', B, 'dev']);
    const access = (
      JSON.parse(await admin(['keys', 'create', '--account', B, '--user', 'dev', '--json'])) as {
        AccessKey: { AccessKeyId: string; SecretAccessKey: string };
      }
    ).AccessKey;
    const DEV = { AWS_ACCESS_KEY_ID: access.AccessKeyId, AWS_SECRET_ACCESS_KEY: access.SecretAccessKey, AWS_PAGER: '' };
    await admin([
      'policies',
      'put-user-policy',
      '--account',
      B,
      '--user',
      'dev',
      '--name',
      'ecr-and-a-key',
      '--document',
      policy(
        { Effect: 'Allow', Action: 'ecr:*', Resource: '*' },
        { Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:CreateGrant'], Resource: key.Arn },
      ),
    ]);
    const create = [
      'ecr',
      'create-repository',
      '--repository-name',
      REPO,
      '--encryption-configuration',
      `encryptionType=KMS,kmsKey=${key.Arn}`,
    ];
    // B's identity policy allows it, but A's key policy (the default) names only A.
    await eventually(() =>
      awsFails(
        create,
        DEV,
        'KmsException',
        /cannot use KMS key .*no resource-based policy allows the kms:DescribeKey action/,
      ),
    );

    // Shared for ECR's use only, as AWS documents it for ECR: kms:ViaService names ECR's endpoint.
    await awsOk([
      'kms',
      'put-key-policy',
      '--key-id',
      key.KeyId,
      '--policy-name',
      'default',
      '--policy',
      policy(enableIam(A), {
        Sid: 'ECR in B',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${B}:root` },
        Action: ['kms:DescribeKey', 'kms:CreateGrant'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'ecr.us-east-1.amazonaws.com', 'kms:CallerAccount': B } },
      }),
    ]);
    await eventually(() =>
      awsFails(
        ['kms', 'describe-key', '--key-id', key.Arn],
        DEV,
        'AccessDeniedException',
        /no resource-based policy allows the kms:DescribeKey action/,
      ),
    );
    const created = await awsOk(create, DEV);
    assert.equal(created.repository.registryId, B);
    assert.deepEqual(created.repository.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: key.Arn });

    const password = (await aws(['ecr', 'get-login-password'], DEV)).stdout.trim();
    const hostB = `localhost:${berth.port}`;
    await skopeo([
      'copy',
      '--dest-creds',
      `AWS:${password}`,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${hostB}/${REPO}:v1`,
    ]);
    const out = scratch.make('berth-kmspol-out-');
    await skopeo([
      'copy',
      '--src-creds',
      `AWS:${password}`,
      '--src-tls-verify=false',
      `docker://${hostB}/${REPO}:v1`,
      `oci:${out}:img`,
    ]);
    const written = readdirSync(join(out, 'blobs', 'sha256')).map((hex) => `sha256:${hex}`);
    const manifest = JSON.parse(layout.readBlob(image.digest).toString('utf8')) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    for (const d of [image, manifest.config, ...manifest.layers])
      assert.ok(written.includes(d.digest), `pulled ${d.digest}`);
    // The repository is B's, not A's: A's registry has no such repository.
    await awsFails(['ecr', 'describe-repositories', '--repository-names', REPO], ROOT_A, 'RepositoryNotFoundException');
  });
});
