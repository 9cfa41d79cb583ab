// The IAM and STS APIs with the AWS CLI v2 against `berth serve` (credentials required): an
// administrator creates a user, its key and policies, a role with a trust policy; the user
// assumes the role and the session pushes with skopeo; a web identity from a test OIDC issuer
// on loopback assumes a role and pulls; bad input gets the models' error codes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import { runProgram } from '../testing/cli.js';
import { OciLayout } from '../testing/oci-layout.js';
import { TestIssuer } from '../testing/oidc-issuer.js';
import { TEST_ADMIN, tempDir, ADMIN_ENV } from '../testing/server.js';
import { AWS_CLI, requireAwsCli, requireTool } from '../testing/tools.js';
import { ServedBerth, skopeo } from './support.js';

const AWS = AWS_CLI;
const ADMIN = {
  ...ADMIN_ENV,
};

function requireClients(t: TestContext): boolean {
  return (
    requireTool(t, 'skopeo', 'apt-get install -y skopeo') &&
    requireTool(t, 'openssl', 'apt-get install -y openssl') &&
    requireAwsCli(t)
  );
}

let berth: ServedBerth;
let layout: OciLayout;
let account: string;
const scratch: string[] = [];

type Env = NodeJS.ProcessEnv;
const aws = (args: string[], env: Env = ADMIN) =>
  runProgram(AWS, [...args, '--endpoint-url', berth.url, '--region', 'us-east-1', '--output', 'json'], env);

/** Runs the CLI and parses its JSON output; fails the test on a non-zero exit. */
async function ok(args: string[], env: Env = ADMIN): Promise<Record<string, any>> {
  const result = await aws(args, env);
  assert.equal(result.code, 0, `aws ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout || '{}') as Record<string, any>;
}

/** Runs the CLI expecting the error `code` (the model's error code, as the CLI prints it). */
async function fails(args: string[], code: string, env: Env = ADMIN): Promise<string> {
  const result = await aws(args, env);
  assert.notEqual(result.code, 0, `aws ${args.join(' ')} should fail`);
  assert.match(result.stderr, new RegExp(`An error occurred \\(${code}\\)`), result.stderr);
  return result.stderr;
}

function sessionEnv(credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }): Env {
  return {
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.SessionToken,
    AWS_PAGER: '',
  };
}

const trust = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

before(async () => {
  const dir = tempDir('berth-iam-layout-');
  scratch.push(dir);
  layout = new OciLayout(dir);
  layout.tag(layout.addImage([1024, 4096]), 'img');
  berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
});

after(async () => {
  await berth.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('aws iam and aws sts against Berth', () => {
  it('users, access keys, tags and inline policies; a user assumes a role and its session pushes with skopeo', async (t) => {
    if (!requireClients(t)) return;
    account = (await ok(['sts', 'get-caller-identity'])).Account;
    assert.match(account, /^\d{12}$/);

    const user = await ok(['iam', 'create-user', '--user-name', 'dev', '--tags', 'Key=team,Value=web']);
    assert.equal(user.User.Arn, `arn:aws:iam::${account}:user/dev`);
    assert.match(user.User.UserId, /^AIDA[A-Z2-7]{17}$/);
    await fails(['iam', 'create-user', '--user-name', 'dev'], 'EntityAlreadyExists');
    assert.deepEqual(
      (await ok(['iam', 'list-users'])).Users.map((u: { UserName: string }) => u.UserName),
      ['dev'],
    );
    assert.deepEqual((await ok(['iam', 'list-user-tags', '--user-name', 'dev'])).Tags, [{ Key: 'team', Value: 'web' }]);
    await ok(['iam', 'untag-user', '--user-name', 'dev', '--tag-keys', 'team']);
    assert.deepEqual((await ok(['iam', 'list-user-tags', '--user-name', 'dev'])).Tags, []);

    const key = (await ok(['iam', 'create-access-key', '--user-name', 'dev'])).AccessKey;
    assert.match(key.AccessKeyId, /^AKIA/);
    const dev = { AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey, AWS_PAGER: '' };
    assert.equal((await ok(['sts', 'get-caller-identity'], dev)).Arn, `arn:aws:iam::${account}:user/dev`);
    assert.deepEqual(
      (await ok(['iam', 'list-access-keys', '--user-name', 'dev'])).AccessKeyMetadata.map(
        (k: { AccessKeyId: string }) => k.AccessKeyId,
      ),
      [key.AccessKeyId],
    );

    // A user without policies may do nothing: not even create a repository, nor assume a role
    // whose trust policy names only the account (the identity side must allow too).
    await fails(['ecr', 'create-repository', '--repository-name', 'iam/app'], 'AccessDeniedException', dev);
    const roleArn = (
      await ok([
        'iam',
        'create-role',
        '--role-name',
        'pusher',
        '--max-session-duration',
        '7200',
        '--assume-role-policy-document',
        trust({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }),
      ])
    ).Role.Arn;
    assert.equal(roleArn, `arn:aws:iam::${account}:role/pusher`);
    await fails(['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'ci'], 'AccessDenied', dev);
    await ok([
      'iam',
      'put-user-policy',
      '--user-name',
      'dev',
      '--policy-name',
      'assume',
      '--policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }],
      }),
    ]);
    assert.deepEqual((await ok(['iam', 'list-user-policies', '--user-name', 'dev'])).PolicyNames, ['assume']);
    assert.equal(
      (await ok(['iam', 'get-user-policy', '--user-name', 'dev', '--policy-name', 'assume'])).PolicyDocument
        .Statement[0].Resource,
      roleArn,
    );

    // The role may push (a customer managed policy) and read (an AWS managed one).
    const policyArn = (
      await ok([
        'iam',
        'create-policy',
        '--policy-name',
        'push',
        '--policy-document',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'ecr:CreateRepository',
                'ecr:InitiateLayerUpload',
                'ecr:UploadLayerPart',
                'ecr:CompleteLayerUpload',
                'ecr:PutImage',
                'ecr:BatchCheckLayerAvailability',
              ],
              Resource: '*',
            },
          ],
        }),
      ])
    ).Policy.Arn;
    await ok(['iam', 'attach-role-policy', '--role-name', 'pusher', '--policy-arn', policyArn]);
    await ok([
      'iam',
      'attach-role-policy',
      '--role-name',
      'pusher',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    ]);
    assert.deepEqual(
      (await ok(['iam', 'list-attached-role-policies', '--role-name', 'pusher'])).AttachedPolicies.map(
        (p: { PolicyName: string }) => p.PolicyName,
      ).sort(),
      ['AmazonEC2ContainerRegistryReadOnly', 'push'],
    );
    await fails(['iam', 'delete-policy', '--policy-arn', policyArn], 'DeleteConflict');
    await fails(['iam', 'delete-role', '--role-name', 'pusher'], 'DeleteConflict');

    await fails(
      ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'ci', '--duration-seconds', '7201'],
      'ValidationError',
      dev,
    );
    const assumed = await ok(
      ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'ci', '--duration-seconds', '900'],
      dev,
    );
    assert.match(assumed.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    const expiresIn = Date.parse(assumed.Credentials.Expiration) - Date.now();
    assert.ok(expiresIn > 880_000 && expiresIn <= 900_000, `expires in 15 minutes, not ${expiresIn} ms`);
    assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/pusher/ci`);
    const session = sessionEnv(assumed.Credentials);
    const me = await ok(['sts', 'get-caller-identity'], session);
    assert.equal(me.Arn, `arn:aws:sts::${account}:assumed-role/pusher/ci`);
    assert.match(me.UserId, /^AROA[A-Z2-7]{17}:ci$/);
    // The session token is needed, and must be the one issued with the key.
    await fails(['sts', 'get-caller-identity'], 'InvalidClientTokenId', { ...session, AWS_SESSION_TOKEN: '' });
    await fails(['sts', 'get-caller-identity'], 'InvalidClientTokenId', {
      ...session,
      AWS_SESSION_TOKEN: `${assumed.Credentials.SessionToken.slice(0, -2)}AA`,
    });

    const password = await aws(['ecr', 'get-login-password'], session);
    assert.equal(password.code, 0, password.stderr);
    const creds = `AWS:${password.stdout.trim()}`;
    await skopeo([
      'copy',
      '--dest-creds',
      creds,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/iam/app:v1`,
    ]);
    const pulled = await skopeo([
      'inspect',
      '--creds',
      creds,
      '--tls-verify=false',
      `docker://${berth.host}/iam/app:v1`,
    ]);
    assert.match(pulled.stdout, /"Digest"/);
    // The session may not delete what it pushed: no policy allows ecr:BatchDeleteImage.
    await fails(
      ['ecr', 'batch-delete-image', '--repository-name', 'iam/app', '--image-ids', 'imageTag=v1'],
      'AccessDeniedException',
      session,
    );
  });

  it('a web identity from an OIDC issuer assumes a role and pulls', async (t) => {
    if (!requireClients(t)) return;
    account ??= (await ok(['sts', 'get-caller-identity'])).Account;
    const issuer = await TestIssuer.start();
    t.after(() => issuer.close());
    const host = issuer.url.slice('https://'.length);
    // An image to pull, pushed by the administrator.
    const admin = `AWS:${(await aws(['ecr', 'get-login-password'])).stdout.trim()}`;
    await skopeo([
      'copy',
      '--dest-creds',
      admin,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:img`,
      `docker://${berth.host}/oidc/app:v1`,
    ]);

    await fails(
      [
        'iam',
        'create-open-id-connect-provider',
        '--url',
        `http://${host}`,
        '--client-id-list',
        'berth-ci',
        '--thumbprint-list',
        issuer.thumbprint,
      ],
      'InvalidInput',
    );
    const providerArn = (
      await ok([
        'iam',
        'create-open-id-connect-provider',
        '--url',
        issuer.url,
        '--client-id-list',
        'berth-ci',
        '--thumbprint-list',
        issuer.thumbprint,
      ])
    ).OpenIDConnectProviderArn;
    assert.equal(providerArn, `arn:aws:iam::${account}:oidc-provider/${host}`);
    const provider = await ok(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn]);
    assert.deepEqual(
      [provider.Url, provider.ClientIDList, provider.ThumbprintList],
      [host, ['berth-ci'], [issuer.thumbprint]],
    );
    assert.deepEqual((await ok(['iam', 'list-open-id-connect-providers'])).OpenIDConnectProviderList, [
      { Arn: providerArn },
    ]);

    const roleArn = (
      await ok([
        'iam',
        'create-role',
        '--role-name',
        'ci-pull',
        '--assume-role-policy-document',
        trust({
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${host}:aud`]: 'berth-ci' }, StringLike: { [`${host}:sub`]: 'repo:web/*' } },
        }),
      ])
    ).Role.Arn;
    await ok([
      'iam',
      'attach-role-policy',
      '--role-name',
      'ci-pull',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
    ]);

    const unsigned = { AWS_PAGER: '' };
    const assume = async (token: string) =>
      aws(
        [
          'sts',
          'assume-role-with-web-identity',
          '--role-arn',
          roleArn,
          '--role-session-name',
          'build-1',
          '--web-identity-token',
          token,
        ],
        unsigned,
      );
    const assumed = await assume(await issuer.token({ sub: 'repo:web/main', aud: 'berth-ci' }));
    assert.equal(assumed.code, 0, assumed.stderr);
    const result = JSON.parse(assumed.stdout) as Record<string, any>;
    assert.equal(result.SubjectFromWebIdentityToken, 'repo:web/main');
    assert.equal(result.Audience, 'berth-ci');
    assert.equal(result.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/ci-pull/build-1`);
    const session = sessionEnv(result.Credentials);
    const creds = `AWS:${(await aws(['ecr', 'get-login-password'], session)).stdout.trim()}`;
    const out = tempDir('berth-iam-pulled-');
    scratch.push(out);
    await skopeo([
      'copy',
      '--src-creds',
      creds,
      '--src-tls-verify=false',
      `docker://${berth.host}/oidc/app:v1`,
      `oci:${out}:img`,
    ]);
    await assert.rejects(
      skopeo([
        'copy',
        '--dest-creds',
        creds,
        '--dest-tls-verify=false',
        `oci:${layout.dir}:img`,
        `docker://${berth.host}/oidc/app:v2`,
      ]),
      /denied|not authorized|403/i,
    );

    // The trust policy's conditions, the audience, the signature and the expiry all count.
    const denied = await assume(await issuer.token({ sub: 'repo:api/main', aud: 'berth-ci' }));
    assert.match(denied.stderr, /\(AccessDenied\)/);
    assert.match(
      (await assume(await issuer.token({ sub: 'repo:web/main', aud: 'someone-else' }))).stderr,
      /\(InvalidIdentityToken\)/,
    );
    assert.match(
      (await assume(await issuer.token({ sub: 'repo:web/main', aud: 'berth-ci' }, await TestIssuer.strangerKey())))
        .stderr,
      /\(InvalidIdentityToken\)/,
    );
    assert.match(
      (
        await assume(
          await issuer.token({ sub: 'repo:web/main', aud: 'berth-ci', exp: Math.floor(Date.now() / 1000) - 3600 }),
        )
      ).stderr,
      /\(ExpiredTokenException\)/,
    );
    assert.match(
      (await assume(await issuer.token({ sub: 'repo:web/main', aud: 'berth-ci', iss: 'https://127.0.0.1:1' }))).stderr,
      /\(InvalidIdentityToken\)/,
    );

    // A thumbprint that is not the issuer's certificate's: Berth will not trust its keys.
    await ok(['iam', 'delete-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn]);
    await fails(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn], 'NoSuchEntity');
    await ok([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      issuer.url,
      '--client-id-list',
      'berth-ci',
      '--thumbprint-list',
      '0'.repeat(40),
    ]);
    assert.match(
      (await assume(await issuer.token({ sub: 'repo:web/main', aud: 'berth-ci' }))).stderr,
      /\(IDPCommunicationError\)/,
    );
  });

  it("bad input gets the models' errors and changes nothing", async (t) => {
    if (!requireClients(t)) return;
    await fails(['iam', 'get-user', '--user-name', 'nobody'], 'NoSuchEntity');
    await fails(['iam', 'get-role', '--role-name', 'nobody'], 'NoSuchEntity');
    await fails(['iam', 'delete-user', '--user-name', 'nobody'], 'NoSuchEntity');
    // The CLI's own pagination sends each page's Marker back: every user comes, one per request.
    for (const name of ['page-a', 'page-b', 'page-c']) await ok(['iam', 'create-user', '--user-name', name]);
    const userNames = (page: Record<string, any>) =>
      page.Users.map((u: { UserName: string }) => u.UserName) as string[];
    const everyone = userNames(await ok(['iam', 'list-users', '--page-size', '1000']));
    assert.ok(
      everyone.length >= 4 && ['page-a', 'page-b', 'page-c'].every((n) => everyone.includes(n)),
      everyone.join(),
    );
    assert.deepEqual(userNames(await ok(['iam', 'list-users', '--page-size', '1'])), everyone);
    const firstPage = await ok(['iam', 'list-users', '--max-items', '1', '--no-paginate']);
    assert.equal(firstPage.IsTruncated, true);
    assert.deepEqual(
      userNames(await ok(['iam', 'list-users', '--max-items', '1', '--marker', firstPage.Marker, '--no-paginate'])),
      [everyone[1]],
    );
    // A Marker pages only its own listing: not another action's, nor the same action's with other parameters.
    await fails(['iam', 'list-roles', '--marker', firstPage.Marker, '--no-paginate'], 'ValidationError');
    await fails(
      ['iam', 'list-users', '--path-prefix', '/other/', '--marker', firstPage.Marker, '--no-paginate'],
      'ValidationError',
    );
    for (const name of ['page-a', 'page-b', 'page-c']) await ok(['iam', 'delete-user', '--user-name', name]);
    // The CLI checks neither maximums nor patterns: Berth's answer is AWS's wording, value and lowerCamel member included.
    const long = 'u'.repeat(65);
    assert.match(
      await fails(['iam', 'create-user', '--user-name', long], 'ValidationError'),
      new RegExp(
        `: 1 validation error detected: Value '${long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64\\s*$`,
      ),
    );
    assert.match(
      await fails(['iam', 'create-user', '--user-name', 'bad/name'], 'ValidationError'),
      /: 1 validation error detected: Value 'bad\/name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\+\s*$/,
    );
    assert.match(
      await fails(['iam', 'list-users', '--page-size', '2000'], 'ValidationError'),
      /: 1 validation error detected: Value '2000' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000\s*$/,
    );
    await fails(
      [
        'iam',
        'create-role',
        '--role-name',
        'broken',
        '--assume-role-policy-document',
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"',
      ],
      'MalformedPolicyDocument',
    );
    await fails(
      [
        'iam',
        'create-role',
        '--role-name',
        'broken',
        '--assume-role-policy-document',
        trust({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
      ],
      'MalformedPolicyDocument',
    );
    await fails(['iam', 'get-role', '--role-name', 'broken'], 'NoSuchEntity');
    await fails(
      ['iam', 'put-user-policy', '--user-name', 'nobody', '--policy-name', 'p', '--policy-document', '{}'],
      'NoSuchEntity',
    );
    await ok(['iam', 'create-user', '--user-name', 'plain']);
    await fails(
      [
        'iam',
        'put-user-policy',
        '--user-name',
        'plain',
        '--policy-name',
        'p',
        '--policy-document',
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }),
      ],
      'MalformedPolicyDocument',
    );
    assert.deepEqual((await ok(['iam', 'list-user-policies', '--user-name', 'plain'])).PolicyNames, []);
    await fails(
      ['iam', 'attach-user-policy', '--user-name', 'plain', '--policy-arn', 'arn:aws:iam::aws:policy/NoSuchPolicy'],
      'NoSuchEntity',
    );
    await fails(
      [
        'iam',
        'update-access-key',
        '--user-name',
        'plain',
        '--access-key-id',
        TEST_ADMIN.accessKeyId,
        '--status',
        'Inactive',
      ],
      'NoSuchEntity',
    );
    await fails(
      ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::123456789012:role/nowhere', '--role-session-name', 'x1'],
      'AccessDenied',
    );
    await fails(['iam', 'get-user'], 'InvalidClientTokenId', { ...ADMIN, AWS_ACCESS_KEY_ID: 'AKIAAAAAAAAAAAAAAAAA' });
    await fails(['iam', 'get-user'], 'SignatureDoesNotMatch', {
      ...ADMIN,
      AWS_SECRET_ACCESS_KEY: `${TEST_ADMIN.secretAccessKey.slice(0, -1)}X`,
    });
    await ok(['iam', 'delete-user', '--user-name', 'plain']);
    await fails(['iam', 'get-user', '--user-name', 'plain'], 'NoSuchEntity');
  });
});
