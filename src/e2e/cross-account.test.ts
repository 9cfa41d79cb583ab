// Sharing a repository with another account, end to end with the AWS CLI v2, skopeo and
// `berth admin` against `berth serve`: account A creates a repository; account B's user cannot
// pull it; A's repository policy lets B's account in; B's user pulls with skopeo once its own
// identity policy allows it; a Deny on aws:SourceIp blocks it again.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { scratchDirs, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { berthAdmin, eventually, ServedBerth, skopeo } from './support.js';

/** The AWS CLI v2 as Debian installs it (an `aws` earlier on PATH may be another version). */
const AWS = AWS_CLI;
const B = '222222222222';
const REPO = 'shared/app';

function requireClients(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo') && requireAwsCli(t);
}

let berth: ServedBerth;
let layout: OciLayout;
let image: Descriptor;
let adminEnv: NodeJS.ProcessEnv;
let A: string;
const scratch = scratchDirs();

const scratchDir = scratch.make;

before(async () => {
  layout = new OciLayout(scratchDir('berth-xacct-layout-'));
  image = layout.addImage([4096, 256 * 1024]);
  layout.tag(image, 'img');
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
  const metadataUrl = await testMetadataUrl(berth.dataDir);
  adminEnv = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
});

after(async () => {
  await berth?.close();
  scratch.remove();
});

const ROOT_A = {
  ...ADMIN_ENV,
};

const aws = (args: string[], env: NodeJS.ProcessEnv) =>
  runProgram(AWS, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'], env);

async function awsOk(args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const result = await aws(args, env);
  assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout || '{}') as Record<string, any>;
}

const admin = (args: string[]) => berthAdmin(berth.dataDir, adminEnv, args);

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe("another account's user and a repository policy", () => {
  it('B cannot pull; A shares with B; B pulls once its identity policy allows; a SourceIp deny blocks it', async (t) => {
    if (!requireClients(t)) return;
    A = (JSON.parse(await admin(['accounts', 'ls', '--json'])) as { AccountId: string; Default: boolean }[]).find(
      (a) => a.Default,
    )!.AccountId;

    // A: a repository with an image, pushed by A's root through skopeo.
    const created = await awsOk(['ecr', 'create-repository', '--repository-name', REPO], ROOT_A);
    assert.equal(created.repository.registryId, A);
    const rootPassword = (await aws(['ecr', 'get-login-password'], ROOT_A)).stdout.trim();
    await skopeo([
      'copy',
      '--dest-creds',
      `AWS:${rootPassword}`,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/${REPO}:v1`,
    ]);

    // B: an account with a user bob who may log in (GetAuthorizationToken), nothing more.
    await admin(['accounts', 'create', '--id', B]);
    await admin(['users', 'create', '--account', B, 'bob']);
    const key = (
      JSON.parse(await admin(['keys', 'create', '--account', B, '--user', 'bob', '--json'])) as {
        AccessKey: { AccessKeyId: string; SecretAccessKey: string };
      }
    ).AccessKey;
    const BOB = { AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey, AWS_PAGER: '' };
    await admin([
      'policies',
      'put-user-policy',
      '--account',
      B,
      '--user',
      'bob',
      '--name',
      'login',
      '--document',
      policy({ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
    ]);
    let bobPassword = '';
    await eventually(async () => {
      const login = await aws(['ecr', 'get-login-password'], BOB);
      assert.equal(login.code, 0, login.stderr);
      bobPassword = login.stdout.trim();
    });
    const out = scratchDir('berth-xacct-out-');
    const pull = () =>
      skopeo([
        'copy',
        '--src-creds',
        `AWS:${bobPassword}`,
        '--src-tls-verify=false',
        `docker://${berth.host}/${REPO}:v1`,
        `oci:${out}:img`,
      ]);

    await assert.rejects(pull(), /denied|not authorized|403/i, "B's user cannot pull A's repository");
    const describeAsBob = await aws(['ecr', 'describe-images', '--registry-id', A, '--repository-name', REPO], BOB);
    assert.notEqual(describeAsBob.code, 0);
    assert.match(describeAsBob.stderr, /\(AccessDeniedException\).*is not authorized to perform: ecr:DescribeImages/);

    // A's repository policy lets B's account pull.
    const share = policy({
      Sid: 'ShareWithB',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    });
    const set = await awsOk(
      ['ecr', 'set-repository-policy', '--repository-name', REPO, '--policy-text', share],
      ROOT_A,
    );
    assert.equal(set.registryId, A);
    assert.deepEqual(
      JSON.parse((await awsOk(['ecr', 'get-repository-policy', '--repository-name', REPO], ROOT_A)).policyText),
      JSON.parse(share),
    );
    await assert.rejects(
      pull(),
      /denied|not authorized|403/i,
      "still refused: bob's own identity policy does not allow it yet",
    );

    // B's identity policy allows the pull (through berth admin: another process, so within the 5 s cache).
    await admin([
      'policies',
      'put-user-policy',
      '--account',
      B,
      '--user',
      'bob',
      '--name',
      'pull',
      '--document',
      policy({
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: `arn:aws:ecr:us-east-1:${A}:repository/shared/*`,
      }),
    ]);
    await eventually(async () => {
      await pull();
    });
    const written = readdirSync(join(out, 'blobs', 'sha256')).map((hex) => `sha256:${hex}`);
    assert.ok(written.includes(image.digest), 'the pulled layout holds the manifest');
    const manifest = JSON.parse(layout.readBlob(image.digest).toString('utf8')) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    for (const d of [manifest.config, ...manifest.layers]) assert.ok(written.includes(d.digest), `pulled ${d.digest}`);

    // A Deny on the source address: the client is 127.0.0.1, outside 10.0.0.0/8. Set on this
    // server through the API, so it counts at once.
    const fenced = policy(
      {
        Sid: 'ShareWithB',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${B}:root` },
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      },
      {
        Sid: 'OnlyFromTheOffice',
        Effect: 'Deny',
        Principal: '*',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    );
    await awsOk(['ecr', 'set-repository-policy', '--repository-name', REPO, '--policy-text', fenced], ROOT_A);
    await assert.rejects(pull(), /denied|not authorized|403/i, 'the SourceIp deny blocks the pull');
    const batchAsBob = await aws(
      ['ecr', 'batch-get-image', '--registry-id', A, '--repository-name', REPO, '--image-ids', 'imageTag=v1'],
      BOB,
    );
    assert.match(batchAsBob.stderr, /\(AccessDeniedException\).*with an explicit deny in a resource-based policy/);

    // A's root is not fenced by it for what it does not name: it removes the policy.
    await awsOk(['ecr', 'delete-repository-policy', '--repository-name', REPO], ROOT_A);
    const gone = await aws(['ecr', 'get-repository-policy', '--repository-name', REPO], ROOT_A);
    assert.match(gone.stderr, /\(RepositoryPolicyNotFoundException\)/);
  });
});
