// The AWS managed ECR policies through the AWS CLI v2: in every account, readable by anyone of
// the account allowed iam:GetPolicy (the root included), each read under its own action
// (GetPolicy, GetPolicyVersion), with their publication dates and per-account attachment counts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../testing/cli.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly';
let test: TestBerth;
let A: string;
const env = (key: { accessKeyId: string; secretAccessKey: string }) => ({
  AWS_ACCESS_KEY_ID: key.accessKeyId,
  AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
  AWS_PAGER: '',
});
let rootB: ReturnType<typeof env>;
const ROOT = env(TEST_ADMIN);

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

before(async () => {
  test = await startBerth({ settings: { auth: { mode: 'iam' } } });
  A = test.berth.accountId;
  const B = (await test.berth.identities.createAccount()).id;
  rootB = env(await test.berth.identities.createAccessKeyFor(B));
});
after(() => test?.close());

describe('AWS managed policies (AWS CLI v2)', () => {
  it('the account root reads them: get-policy and get-policy-version, with the dates AWS published them', async (t) => {
    if (!requireAwsCli(t)) return;
    const got = await aws(['iam', 'get-policy', '--policy-arn', READ_ONLY], ROOT);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.json.Policy.Arn, READ_ONLY);
    assert.equal(got.json.Policy.CreateDate, '2015-12-21T17:04:00+00:00');
    assert.equal(got.json.Policy.UpdateDate, '2019-12-10T20:56:00+00:00');
    const version = await aws(
      ['iam', 'get-policy-version', '--policy-arn', READ_ONLY, '--version-id', got.json.Policy.DefaultVersionId],
      ROOT,
    );
    assert.equal(version.code, 0, version.stderr);
    assert.ok(JSON.stringify(version.json.PolicyVersion.Document).includes('ecr:BatchGetImage'));
  });

  it('counts attachments per account, and list-policies --only-attached lists the attached ones', async (t) => {
    if (!requireAwsCli(t)) return;
    const POWER = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser';
    assert.equal((await aws(['iam', 'create-user', '--user-name', 'm-ci'], ROOT)).code, 0);
    const attached = await aws(['iam', 'attach-user-policy', '--user-name', 'm-ci', '--policy-arn', POWER], ROOT);
    assert.equal(attached.code, 0, attached.stderr);
    assert.equal((await aws(['iam', 'get-policy', '--policy-arn', POWER], ROOT)).json.Policy.AttachmentCount, 1);
    const other = await aws(['iam', 'get-policy', '--policy-arn', POWER], rootB);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.json.Policy.AttachmentCount, 0, "another account's attachments are its own");
    for (const scope of ['All', 'AWS']) {
      const listed = await aws(['iam', 'list-policies', '--only-attached', '--scope', scope], ROOT);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        listed.json.Policies.map((p: { Arn: string }) => p.Arn),
        [POWER],
        `scope ${scope}`,
      );
      assert.equal(listed.json.Policies[0].AttachmentCount, 1);
    }
    assert.deepEqual((await aws(['iam', 'list-policies', '--only-attached'], rootB)).json.Policies, []);
  });

  it('a user allowed only iam:GetPolicy reads the policy but not its document; iam:GetPolicyVersion reads the document', async (t) => {
    if (!requireAwsCli(t)) return;
    const user = async (name: string, action: string) => {
      await test.berth.identities.createUser(A, name);
      await test.berth.userPolicies.putUserPolicy(
        A,
        name,
        'p',
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] }),
      );
      return env(await test.berth.identities.createAccessKeyFor(A, name));
    };
    const getter = await user('m-getter', 'iam:GetPolicy');
    const reader = await user('m-reader', 'iam:GetPolicyVersion');
    assert.equal((await aws(['iam', 'get-policy', '--policy-arn', READ_ONLY], getter)).code, 0);
    const refused = await aws(['iam', 'get-policy-version', '--policy-arn', READ_ONLY, '--version-id', 'v1'], getter);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AccessDenied.*iam:GetPolicyVersion/);
    const read = await aws(['iam', 'get-policy-version', '--policy-arn', READ_ONLY, '--version-id', 'v1'], reader);
    assert.equal(read.code, 0, read.stderr);
    assert.match(
      (await aws(['iam', 'get-policy', '--policy-arn', READ_ONLY], reader)).stderr,
      /AccessDenied.*iam:GetPolicy/,
    );
  });
});
