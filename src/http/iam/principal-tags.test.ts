// An IAM user's tags are its aws:PrincipalTag/* values: a user tagged team=a whose identity
// policy allows pulls only while aws:PrincipalTag/team is a pulls; after UntagUser or a retag it
// is refused at once on the node that changed the tags, and within POLICY_CACHE_MS on another.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { POLICY_CACHE_MS } from '../../iam/policy-sources.js';
import { basicAuth, loggedIn, registryPassword } from '../../testing/api-client.js';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { dropPostgresDatabaseFor, testBackend } from '../../testing/postgres.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, tempDir, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

let first: TestBerth;
let second: TestBerth;
let dataDir: string;
const host = 'localhost:5000';
const REPO = 'tagged/app';

async function iam(
  action: string,
  params: Record<string, string>,
  credentials: Credentials = TEST_ADMIN,
): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }).toString();
  const headers = await signHeaders(
    { method: 'POST', url: '/', host, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
    { service: 'iam', credentials },
  );
  const response = await first.berth.app.inject({ method: 'POST', url: '/', headers, payload: body });
  assert.equal(response.statusCode, 200, `${action}: ${response.body}`);
  return response.body;
}

const text = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** The status of a pull of the manifest by the user (a password from GetAuthorizationToken on `node`). */
async function pull(node: TestBerth, credentials: Credentials): Promise<{ status: number; body: string }> {
  const password = await registryPassword(node.berth.app, credentials);
  const res = await node.berth.app.inject({
    url: `/v2/${REPO}/manifests/v1`,
    headers: {
      authorization: basicAuth(password),
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return { status: res.statusCode, body: res.body };
}

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    assert.ok(Date.now() - start < withinMs, `not seen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - start;
}

let dev: Credentials;

before(async () => {
  dataDir = tempDir('berth-principal-tags-');
  first = await startBerth({ listen: false, dataDir, settings: { auth: { mode: 'iam' } } });
  second = await startBerth({ listen: false, dataDir, settings: { auth: { mode: 'iam' } } });
  await pushImage(loggedIn(first.berth.app, await registryPassword(first.berth.app)), REPO, 'v1');
  await iam('CreateUser', { UserName: 't-dev', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' });
  const key = await iam('CreateAccessKey', { UserName: 't-dev' });
  dev = { accessKeyId: text(key, 'AccessKeyId')!, secretAccessKey: text(key, 'SecretAccessKey')! };
  await iam('PutUserPolicy', {
    UserName: 't-dev',
    PolicyName: 'team-a',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'ecr:BatchGetImage',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } },
        },
      ],
    }),
  });
});
after(async () => {
  await second?.close();
  await first?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
});

describe("an IAM user's tags as aws:PrincipalTag", () => {
  it('a user tagged team=a pulls; untagged it is refused; tagged team=b it is refused; tagged team=a again it pulls', async () => {
    const allowed = await pull(first, dev);
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal((await pull(second, dev)).status, 200);

    await iam('UntagUser', { UserName: 't-dev', 'TagKeys.member.1': 'team' });
    const untagged = await pull(first, dev);
    assert.equal(untagged.status, 403, untagged.body);
    assert.match(untagged.body, /DENIED/);

    await iam('TagUser', { UserName: 't-dev', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'b' });
    assert.equal((await pull(first, dev)).status, 403);

    await iam('TagUser', { UserName: 't-dev', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' });
    assert.equal((await pull(first, dev)).status, 200);
  });

  it('another node sees a change of tags within POLICY_CACHE_MS', async () => {
    assert.equal((await pull(second, dev)).status, 200);
    await iam('UntagUser', { UserName: 't-dev', 'TagKeys.member.1': 'team' });
    assert.equal((await pull(first, dev)).status, 403);
    await eventually(async () => (await pull(second, dev)).status === 403, POLICY_CACHE_MS + 2_000);
    await iam('TagUser', { UserName: 't-dev', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' });
    await eventually(async () => (await pull(second, dev)).status === 200, POLICY_CACHE_MS + 2_000);
  });

  it('the tag is what decides: a user with the same policy and no tag never pulls', async () => {
    await iam('CreateUser', { UserName: 't-other' });
    const key = await iam('CreateAccessKey', { UserName: 't-other' });
    const other = { accessKeyId: text(key, 'AccessKeyId')!, secretAccessKey: text(key, 'SecretAccessKey')! };
    await iam('PutUserPolicy', {
      UserName: 't-other',
      PolicyName: 'team-a',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'ecr:BatchGetImage',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } },
          },
        ],
      }),
    });
    assert.equal((await pull(first, other)).status, 403);
  });

  it("a role's trust policy sees the user's tags: AssumeRole only while the user is tagged team=a", async () => {
    const account = first.berth.accountId;
    await iam('CreateRole', {
      RoleName: 't-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:user/t-dev` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } },
          },
        ],
      }),
    });
    const assume = async () => {
      const body = new URLSearchParams({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: `arn:aws:iam::${account}:role/t-role`,
        RoleSessionName: 's1',
      }).toString();
      const headers = await signHeaders(
        { method: 'POST', url: '/', host, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
        { service: 'sts', credentials: dev },
      );
      return (await first.berth.app.inject({ method: 'POST', url: '/', headers, payload: body })).statusCode;
    };
    await iam('TagUser', { UserName: 't-dev', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' });
    assert.equal(await assume(), 200);
    await iam('TagUser', { UserName: 't-dev', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'b' });
    assert.equal(await assume(), 403);
  });
});
