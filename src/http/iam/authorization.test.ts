// Every IAM and STS action against callers who must be refused: unsigned requests, a user of the
// account without policies, and another account's user with iam:* in its own account who names
// this account's entities. The case table must name every action Berth answers, so an action
// added without cases fails here. Nothing refused changes anything.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

let served: TestBerth;
let A: string;
let none: Credentials;
let outsider: Credentials;
let adminKeyOfDev: string;
const host = 'localhost:5000';

async function call(
  action: string,
  params: Record<string, string>,
  credentials: Credentials | null,
): Promise<{ status: number; code: string | undefined; body: string }> {
  const sts = ['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity'].includes(action);
  const body = new URLSearchParams({
    Action: action,
    Version: sts ? '2011-06-15' : '2010-05-08',
    ...params,
  }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const signed = credentials
    ? await signHeaders(
        { method: 'POST', url: '/', host, headers, body },
        { service: sts ? 'sts' : 'iam', credentials },
      )
    : { host, ...headers };
  const response = await served.berth.app.inject({ method: 'POST', url: '/', headers: signed, payload: body });
  return { status: response.statusCode, code: /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1], body: response.body };
}

const trust = () =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }],
  });
const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });

/** Parameters that pass validation for each action, naming this account's entities. */
function cases(): Record<string, Record<string, string>> {
  const policyArn = `arn:aws:iam::${A}:policy/m-policy`;
  const providerArn = `arn:aws:iam::${A}:oidc-provider/issuer.example`;
  return {
    'iam:CreateUser': { UserName: 'm-new' },
    'iam:GetUser': { UserName: 'm-target' },
    'iam:ListUsers': {},
    'iam:DeleteUser': { UserName: 'm-target' },
    'iam:CreateAccessKey': { UserName: 'm-target' },
    'iam:ListAccessKeys': { UserName: 'm-target' },
    'iam:UpdateAccessKey': { UserName: 'm-target', AccessKeyId: adminKeyOfDev, Status: 'Inactive' },
    'iam:DeleteAccessKey': { UserName: 'm-target', AccessKeyId: adminKeyOfDev },
    'iam:GetAccessKeyLastUsed': { AccessKeyId: adminKeyOfDev },
    'iam:TagUser': { UserName: 'm-target', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' },
    'iam:UntagUser': { UserName: 'm-target', 'TagKeys.member.1': 'team' },
    'iam:ListUserTags': { UserName: 'm-target' },
    'iam:CreateRole': { RoleName: 'm-new', AssumeRolePolicyDocument: trust() },
    'iam:GetRole': { RoleName: 'm-role' },
    'iam:ListRoles': {},
    'iam:DeleteRole': { RoleName: 'm-role' },
    'iam:UpdateAssumeRolePolicy': { RoleName: 'm-role', PolicyDocument: trust() },
    'iam:TagRole': { RoleName: 'm-role', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' },
    'iam:UntagRole': { RoleName: 'm-role', 'TagKeys.member.1': 'team' },
    'iam:ListRoleTags': { RoleName: 'm-role' },
    'iam:PutUserPolicy': { UserName: 'm-target', PolicyName: 'p', PolicyDocument: doc },
    'iam:GetUserPolicy': { UserName: 'm-target', PolicyName: 'inline' },
    'iam:ListUserPolicies': { UserName: 'm-target' },
    'iam:DeleteUserPolicy': { UserName: 'm-target', PolicyName: 'inline' },
    'iam:AttachUserPolicy': { UserName: 'm-target', PolicyArn: policyArn },
    'iam:DetachUserPolicy': { UserName: 'm-target', PolicyArn: policyArn },
    'iam:ListAttachedUserPolicies': { UserName: 'm-target' },
    'iam:PutRolePolicy': { RoleName: 'm-role', PolicyName: 'p', PolicyDocument: doc },
    'iam:GetRolePolicy': { RoleName: 'm-role', PolicyName: 'inline' },
    'iam:ListRolePolicies': { RoleName: 'm-role' },
    'iam:DeleteRolePolicy': { RoleName: 'm-role', PolicyName: 'inline' },
    'iam:AttachRolePolicy': { RoleName: 'm-role', PolicyArn: policyArn },
    'iam:DetachRolePolicy': { RoleName: 'm-role', PolicyArn: policyArn },
    'iam:ListAttachedRolePolicies': { RoleName: 'm-role' },
    'iam:CreatePolicy': { PolicyName: 'm-new', PolicyDocument: doc },
    'iam:GetPolicy': { PolicyArn: policyArn },
    'iam:GetPolicyVersion': { PolicyArn: policyArn, VersionId: 'v1' },
    'iam:ListPolicies': {},
    'iam:DeletePolicy': { PolicyArn: policyArn },
    'iam:CreateOpenIDConnectProvider': { Url: 'https://other.example', 'ClientIDList.member.1': 'x' },
    'iam:GetOpenIDConnectProvider': { OpenIDConnectProviderArn: providerArn },
    'iam:ListOpenIDConnectProviders': {},
    'iam:DeleteOpenIDConnectProvider': { OpenIDConnectProviderArn: providerArn },
    'iam:CreateLoginProfile': { UserName: 'm-target', Password: 'Matrix-pass-1!' },
    'iam:GetLoginProfile': { UserName: 'm-target' },
    'iam:UpdateLoginProfile': { UserName: 'm-target', PasswordResetRequired: 'true' },
    'iam:DeleteLoginProfile': { UserName: 'm-target' },
    'iam:ChangePassword': { OldPassword: 'Matrix-pass-1!', NewPassword: 'Matrix-pass-2!' },
    'iam:GetAccountPasswordPolicy': {},
    'iam:UpdateAccountPasswordPolicy': { MinimumPasswordLength: '10' },
    'iam:DeleteAccountPasswordPolicy': {},
    'sts:GetCallerIdentity': {},
    'sts:AssumeRole': { RoleArn: `arn:aws:iam::${A}:role/m-role`, RoleSessionName: 'm-session' },
    'sts:AssumeRoleWithWebIdentity': {
      RoleArn: `arn:aws:iam::${A}:role/m-role`,
      RoleSessionName: 'm-session',
      WebIdentityToken: 'not.a.jwt',
    },
  };
}

/** Everything the refusals could have touched, read as the root. */
async function snapshot(): Promise<string> {
  const reads: [string, Record<string, string>][] = [
    ['ListUsers', {}],
    ['GetUser', { UserName: 'm-target' }],
    ['ListAccessKeys', { UserName: 'm-target' }],
    ['ListUserTags', { UserName: 'm-target' }],
    ['ListUserPolicies', { UserName: 'm-target' }],
    ['ListAttachedUserPolicies', { UserName: 'm-target' }],
    ['ListRoles', {}],
    ['ListRoleTags', { RoleName: 'm-role' }],
    ['ListRolePolicies', { RoleName: 'm-role' }],
    ['ListAttachedRolePolicies', { RoleName: 'm-role' }],
    ['ListPolicies', { Scope: 'Local' }],
    ['ListOpenIDConnectProviders', {}],
  ];
  const out: string[] = [];
  for (const [action, params] of reads)
    out.push((await call(action, params, TEST_ADMIN)).body.replace(/<RequestId>[^<]*<\/RequestId>/, ''));
  return out.join('\n');
}

before(async () => {
  served = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = served.berth.accountId;
  const root = async (action: string, params: Record<string, string>) => {
    const result = await call(action, params, TEST_ADMIN);
    assert.equal(result.status, 200, result.body);
    return result.body;
  };
  const keyOf = (xml: string): Credentials => ({
    accessKeyId: /<AccessKeyId>([^<]+)/.exec(xml)![1]!,
    secretAccessKey: /<SecretAccessKey>([^<]+)/.exec(xml)![1]!,
  });
  await root('CreateUser', { UserName: 'm-none' });
  none = keyOf(await root('CreateAccessKey', { UserName: 'm-none' }));
  await root('CreateUser', { UserName: 'm-target', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'a' });
  adminKeyOfDev = keyOf(await root('CreateAccessKey', { UserName: 'm-target' })).accessKeyId;
  await root('PutUserPolicy', { UserName: 'm-target', PolicyName: 'inline', PolicyDocument: doc });
  await root('CreateRole', {
    RoleName: 'm-role',
    AssumeRolePolicyDocument: trust(),
    'Tags.member.1.Key': 'team',
    'Tags.member.1.Value': 'a',
  });
  await root('PutRolePolicy', { RoleName: 'm-role', PolicyName: 'inline', PolicyDocument: doc });
  await root('CreatePolicy', { PolicyName: 'm-policy', PolicyDocument: doc });
  await root('AttachRolePolicy', { RoleName: 'm-role', PolicyArn: `arn:aws:iam::${A}:policy/m-policy` });
  await root('CreateOpenIDConnectProvider', { Url: 'https://issuer.example', 'ClientIDList.member.1': 'x' });

  // Another account's user, allowed everything in IAM and STS in its own account.
  const { identities, store } = served.berth;
  const B = (await identities.createAccount()).id;
  const user = await identities.createUser(B, 'm-outsider');
  outsider = await identities.createAccessKey(user!.id);
  await store.policies.putInlinePolicy(
    { type: 'user', id: user!.id },
    'all',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' }],
    }),
  );
});
after(() => served.close());

describe('IAM and STS authorization matrix', () => {
  it('the case table names every action Berth answers, and only those', () => {
    assert.deepEqual(Object.keys(cases()).sort(), [...served.berth.queryActions].sort());
  });

  it('unsigned requests are refused by every signed action', async () => {
    const before = await snapshot();
    for (const [action, params] of Object.entries(cases())) {
      const [, name] = action.split(':') as [string, string];
      const result = await call(name, params, null);
      if (action === 'sts:AssumeRoleWithWebIdentity')
        assert.equal(result.code, 'InvalidIdentityToken', `${action}: the token is the credential`);
      else
        assert.deepEqual(
          [result.status, result.code],
          [403, 'MissingAuthenticationToken'],
          `${action}: ${result.body}`,
        );
    }
    assert.equal(await snapshot(), before, 'nothing changed');
  });

  it('a user of the account without policies is refused every IAM action and cannot assume a role', async () => {
    // Even a registry policy naming the user for every action grants nothing in IAM.
    await served.berth.store.policies.putRegistryPolicy(
      A,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/m-none` }, Action: '*', Resource: '*' },
        ],
      }),
      Date.now(),
    );
    const before = await snapshot();
    for (const [action, params] of Object.entries(cases())) {
      const [, name] = action.split(':') as [string, string];
      if (action === 'sts:AssumeRoleWithWebIdentity') continue;
      const result = await call(name, params, none);
      if (action === 'sts:GetCallerIdentity') assert.equal(result.status, 200, 'anyone may ask who they are');
      else assert.deepEqual([result.status, result.code], [403, 'AccessDenied'], `${action}: ${result.body}`);
    }
    assert.equal(await snapshot(), before, 'nothing changed');
  });

  it("another account's user, allowed iam:* at home, reaches none of this account's entities", async () => {
    const before = await snapshot();
    const byArnOrKey = [
      'iam:GetPolicy',
      'iam:GetPolicyVersion',
      'iam:DeletePolicy',
      'iam:GetOpenIDConnectProvider',
      'iam:DeleteOpenIDConnectProvider',
    ];
    for (const action of byArnOrKey) {
      const result = await call(action.split(':')[1]!, cases()[action]!, outsider);
      assert.equal(result.code, 'NoSuchEntity', `${action}: ${result.body}`);
    }
    // Names resolve in the caller's own account: A's user and its key are not there.
    for (const action of [
      'iam:GetUser',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
      'iam:GetRole',
      'iam:DeleteRole',
    ]) {
      const result = await call(action.split(':')[1]!, cases()[action]!, outsider);
      assert.equal(result.code, 'NoSuchEntity', `${action}: ${result.body}`);
    }
    const assume = await call('AssumeRole', cases()['sts:AssumeRole']!, outsider);
    assert.equal(assume.code, 'AccessDenied', 'the trust policy names only account A');
    assert.equal(await snapshot(), before, 'nothing changed');
  });
});
