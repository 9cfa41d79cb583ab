// STS session policies (AssumeRole's Policy and PolicyArns) through the AWS CLI v2: a session's
// rights are the intersection of its role's identity policies and its session policies, except
// what a resource policy grants the session itself; and STS's answers to bad input (raw HTTP).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { runProgram } from '../../testing/cli.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let test: TestBerth;
let A: string;
let user: Credentials;
const ROLE = () => `arn:aws:iam::${A}:role/sp-role`;
const doc = (actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
const env = (key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
  AWS_ACCESS_KEY_ID: key.accessKeyId,
  AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
  ...(key.sessionToken && { AWS_SESSION_TOKEN: key.sessionToken }),
  AWS_PAGER: '',
});

async function aws(args: string[], who: ReturnType<typeof env>): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', test.url, '--region', 'us-east-1', '--output', 'json'],
    who,
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

/** A session of sp-role made by the AWS CLI with `extra` (--policy, --policy-arns), as AWS_* variables. */
async function session(name: string, extra: string[]): Promise<ReturnType<typeof env>> {
  const res = await aws(['sts', 'assume-role', '--role-arn', ROLE(), '--role-session-name', name, ...extra], env(user));
  assert.equal(res.code, 0, res.stderr);
  const c = res.json.Credentials;
  return env({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });
}

async function sts(
  params: Record<string, string>,
  credentials: Credentials | null,
): Promise<{ status: number; code?: string; message?: string; body: string }> {
  const body = new URLSearchParams({ Version: '2011-06-15', ...params }).toString();
  const host = 'localhost:5000';
  const base = { 'content-type': 'application/x-www-form-urlencoded' };
  const headers = credentials
    ? await signHeaders({ method: 'POST', url: '/', host, headers: base, body }, { service: 'sts', credentials })
    : { host, ...base };
  const res = await test.berth.app.inject({ method: 'POST', url: '/', headers, payload: body });
  const text = (xml: string | undefined) =>
    xml?.replace(
      /&(apos|quot|lt|gt|amp);/g,
      (_, name: string) => ({ apos: "'", quot: '"', lt: '<', gt: '>', amp: '&' })[name]!,
    );
  return {
    status: res.statusCode,
    code: /<Code>([^<]+)/.exec(res.body)?.[1],
    message: text(/<Message>([^<]*)/.exec(res.body)?.[1]),
    body: res.body,
  };
}

before(async () => {
  test = await startBerth({ settings: { auth: { mode: 'iam' } } });
  A = test.berth.accountId;
  await test.berth.identities.createUser(A, 'sp-user');
  user = await test.berth.identities.createAccessKeyFor(A, 'sp-user');
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/sp-user` }, Action: 'sts:AssumeRole' }],
  });
  const root = env(TEST_ADMIN);
  for (const args of [
    ['iam', 'create-role', '--role-name', 'sp-role', '--assume-role-policy-document', trust],
    [
      'iam',
      'put-role-policy',
      '--role-name',
      'sp-role',
      '--policy-name',
      'ecr',
      '--policy-document',
      doc(['ecr:DescribeRepositories', 'ecr:CreateRepository']),
    ],
    ['ecr', 'create-repository', '--repository-name', 'sp/named'],
  ]) {
    const res = await runProgram(
      AWS_CLI,
      [...args, '--endpoint-url', test.url, '--region', 'us-east-1', '--output', 'json'],
      root,
    );
    assert.equal(res.code, 0, res.stderr);
  }
});
after(() => test?.close());

describe('STS session policies (AWS CLI v2)', () => {
  it('an inline session policy narrows the role: what both allow is served, the rest refused naming the session policy', async (t) => {
    if (!requireAwsCli(t)) return;
    const narrowed = await session('inline', ['--policy', doc(['ecr:DescribeRepositories', 'iam:ListUsers'])]);
    assert.equal((await aws(['ecr', 'describe-repositories'], narrowed)).code, 0);
    const create = await aws(['ecr', 'create-repository', '--repository-name', 'sp/refused'], narrowed);
    assert.notEqual(create.code, 0);
    assert.match(create.stderr, /AccessDenied.*ecr:CreateRepository.*no session policy allows/);
    // A session policy grants nothing the role does not have.
    const users = await aws(['iam', 'list-users'], narrowed);
    assert.notEqual(users.code, 0);
    assert.match(users.stderr, /AccessDenied.*iam:ListUsers/);
    // Without a session policy the role's rights are whole.
    assert.equal(
      (await aws(['ecr', 'create-repository', '--repository-name', 'sp/made'], await session('whole', []))).code,
      0,
    );
  });

  it('managed session policies (PolicyArns) narrow it the same way', async (t) => {
    if (!requireAwsCli(t)) return;
    const readOnly = await session('managed', [
      '--policy-arns',
      'arn=arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    ]);
    assert.equal((await aws(['ecr', 'describe-repositories'], readOnly)).code, 0);
    assert.match(
      (await aws(['ecr', 'create-repository', '--repository-name', 'sp/refused2'], readOnly)).stderr,
      /AccessDenied.*no session policy allows/,
    );
    const missing = await aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        ROLE(),
        '--role-session-name',
        'gone',
        '--policy-arns',
        `arn=arn:aws:iam::${A}:policy/none`,
      ],
      env(user),
    );
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /InvalidParameterValue.*does not exist/);
  });

  it('a repository policy naming the session itself is not bounded by its session policy; one naming the role is', async (t) => {
    if (!requireAwsCli(t)) return;
    const sessionArn = `arn:aws:sts::${A}:assumed-role/sp-role/named`;
    for (const [repo, principal] of [
      ['sp/named', sessionArn],
      ['sp/made', ROLE()],
    ] as const) {
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'ecr:ListImages' }],
      });
      const set = await aws(
        ['ecr', 'set-repository-policy', '--repository-name', repo, '--policy-text', policy],
        env(TEST_ADMIN),
      );
      assert.equal(set.code, 0, set.stderr);
    }
    const named = await session('named', ['--policy', doc(['ecr:DescribeRepositories'])]);
    const own = await aws(['ecr', 'list-images', '--repository-name', 'sp/named'], named);
    assert.equal(own.code, 0, own.stderr);
    assert.match(
      (await aws(['ecr', 'list-images', '--repository-name', 'sp/made'], named)).stderr,
      /AccessDenied.*no session policy allows/,
    );
  });
});

describe('STS answers (raw HTTP)', () => {
  const assume = (extra: Record<string, string>) => ({
    Action: 'AssumeRole',
    RoleArn: ROLE(),
    RoleSessionName: 'raw',
    ...extra,
  });

  it('a session policy is read, not refused as a null value; a malformed or too large one is refused as STS does', async () => {
    const ok = await sts(assume({ Policy: doc(['ecr:DescribeRepositories']) }), user);
    assert.equal(ok.status, 200, ok.body);
    assert.match(ok.body, /<PackedPolicySize>\d+<\/PackedPolicySize>/);
    const malformed = await sts(assume({ Policy: '{}' }), user);
    assert.deepEqual([malformed.status, malformed.code], [400, 'MalformedPolicyDocument'], malformed.body);
    const big = doc(Array.from({ length: 64 }, (_, i) => `ecr:DescribeRepositories${i}`));
    assert.ok(big.length <= 2048 && big.length > 1800);
    const large = await sts(
      assume({ Policy: big, 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly' }),
      user,
    );
    assert.deepEqual([large.status, large.code], [400, 'PackedPolicyTooLarge'], large.body);
  });

  it('a wrong value is named as sent, not as null', async () => {
    const res = await sts(assume({ DurationSeconds: 'abc' }), user);
    assert.equal(res.code, 'ValidationError');
    assert.doesNotMatch(res.message ?? '', /Value null/);
  });

  it("a RoleSessionName or PolicyArns out of bounds is refused in AWS's words, with the value and the member", async () => {
    const bad = await sts(assume({ RoleSessionName: 'no spaces' }), user);
    assert.equal(bad.code, 'ValidationError');
    assert.equal(
      bad.message,
      "1 validation error detected: Value 'no spaces' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
    const arns = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [
        `PolicyArns.member.${i + 1}.arn`,
        'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
      ]),
    );
    const many = await sts(assume(arns), user);
    assert.equal(many.code, 'ValidationError');
    assert.match(
      many.message ?? '',
      /^1 validation error detected: Value '.+' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
  });

  it("DurationSeconds below 900 is refused naming the minimum, above the role's maximum naming the maximum", async () => {
    const short = await sts(assume({ DurationSeconds: '600' }), user);
    assert.equal(short.code, 'ValidationError');
    assert.match(short.message ?? '', /greater than or equal to 900/);
    assert.doesNotMatch(short.message ?? '', /exceeds/);
    const long = await sts(assume({ DurationSeconds: '90000' }), user);
    assert.equal(long.code, 'ValidationError');
    assert.match(long.message ?? '', /exceeds the MaxSessionDuration/);
  });

  it('an action Berth does not answer is InvalidAction, signed or not; a known one unsigned is MissingAuthenticationToken', async () => {
    for (const credentials of [null, user]) {
      for (const action of ['AssumeRoleWithSAML', 'GetSessionToken', 'NoSuchAction']) {
        const res = await sts({ Action: action }, credentials);
        assert.deepEqual(
          [res.status, res.code],
          [400, 'InvalidAction'],
          `${action} ${credentials ? 'signed' : 'unsigned'}: ${res.body}`,
        );
      }
    }
    const unsigned = await sts({ Action: 'GetCallerIdentity' }, null);
    assert.deepEqual([unsigned.status, unsigned.code], [403, 'MissingAuthenticationToken']);
  });
});
