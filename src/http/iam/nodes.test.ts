// Temporary credentials work on every node: a session issued by one Berth signs requests that
// another Berth on the same database accepts (the session key is shared through the database),
// and the session's tags reach policies on the other node as aws:PrincipalTag.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { dropPostgresDatabaseFor, testBackend } from '../../testing/postgres.js';
import { startBerth, TEST_ADMIN, tempDir, type TestBerth } from '../../testing/server.js';

let first: TestBerth;
let second: TestBerth;
let dataDir: string;
const host = 'localhost:5000';

async function call(
  node: TestBerth,
  action: string,
  params: Record<string, string>,
  credentials: Credentials,
): Promise<{ status: number; body: string }> {
  const sts = ['GetCallerIdentity', 'AssumeRole'].includes(action);
  const body = new URLSearchParams({
    Action: action,
    Version: sts ? '2011-06-15' : '2010-05-08',
    ...params,
  }).toString();
  const headers = await signHeaders(
    { method: 'POST', url: '/', host, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
    { service: sts ? 'sts' : 'iam', credentials },
  );
  const response = await node.berth.app.inject({ method: 'POST', url: '/', headers, payload: body });
  return { status: response.statusCode, body: response.body };
}

const text = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

before(async () => {
  dataDir = tempDir('berth-iam-nodes-');
  first = await startBerth({ listen: false, dataDir, settings: { auth: { mode: 'iam' } } });
  second = await startBerth({ listen: false, dataDir, settings: { auth: { mode: 'iam' } } });
});
after(async () => {
  await second.close();
  await first.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (testBackend() === 'postgres') await dropPostgresDatabaseFor(dataDir);
});

describe('temporary credentials across nodes', () => {
  it('a session made on one node works on another, with its session tags as principal tags', async () => {
    const account = first.berth.accountId;
    const ok = async (
      node: TestBerth,
      action: string,
      params: Record<string, string>,
      credentials: Credentials = TEST_ADMIN,
    ) => {
      const result = await call(node, action, params, credentials);
      assert.equal(result.status, 200, result.body);
      return result.body;
    };
    await ok(first, 'CreateUser', { UserName: 'n-dev' });
    const key = await ok(first, 'CreateAccessKey', { UserName: 'n-dev' });
    const dev = { accessKeyId: text(key, 'AccessKeyId')!, secretAccessKey: text(key, 'SecretAccessKey')! };
    await ok(first, 'CreateRole', {
      RoleName: 'n-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:user/n-dev` },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
          },
        ],
      }),
    });
    // The role may list users only while its session is tagged team=web.
    await ok(first, 'PutRolePolicy', {
      RoleName: 'n-role',
      PolicyName: 'tagged',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:ListUsers',
            Resource: '*',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'web' } },
          },
        ],
      }),
    });
    const assume = (tag: string) =>
      ok(
        first,
        'AssumeRole',
        {
          RoleArn: `arn:aws:iam::${account}:role/n-role`,
          RoleSessionName: 'n1',
          'Tags.member.1.Key': 'team',
          'Tags.member.1.Value': tag,
        },
        dev,
      );
    const sessionOf = (xml: string): Credentials => ({
      accessKeyId: text(xml, 'AccessKeyId')!,
      secretAccessKey: text(xml, 'SecretAccessKey')!,
      sessionToken: text(xml, 'SessionToken')!,
    });
    const web = sessionOf(await assume('web'));
    assert.equal(
      text(await ok(second, 'GetCallerIdentity', {}, web), 'Arn'),
      `arn:aws:sts::${account}:assumed-role/n-role/n1`,
    );
    await ok(second, 'ListUsers', {}, web);
    const api = sessionOf(await assume('api'));
    const refused = await call(second, 'ListUsers', {}, api);
    assert.equal(refused.status, 403);
    assert.equal(text(refused.body, 'Code'), 'AccessDenied');
  });
});
