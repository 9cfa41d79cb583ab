// The authorization walk of the IAM and STS faces: every action of the IAM and STS models that
// Berth answers is authorized under its own IAM action name (testing/authorization-walk.ts lists
// where AWS documents otherwise): a user allowed exactly that action gets past authorization, a
// user allowed everything but it is refused with a denial that names it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { actionsToWalk, exception, namesDenial, requiredActions, type Face } from '../../testing/authorization-walk.js';
import { signHeaders, type Credentials } from '../../testing/aws-signer.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

let test: TestBerth;
let A: string;
const keys: Record<'nobody' | 'exact' | 'allBut', Credentials> = {} as never;
const host = 'localhost:5000';
const STS = new Set([
  'GetCallerIdentity',
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleWithSAML',
  'GetSessionToken',
  'GetFederationToken',
  'DecodeAuthorizationMessage',
  'GetAccessKeyInfo',
  'AssumeRoot',
  'GetDelegatedAccessToken',
  'GetWebIdentityToken',
]);

interface Answer {
  status: number;
  code: string | undefined;
  message: string;
  body: string;
}

async function call(action: string, params: Record<string, string>, credentials: Credentials): Promise<Answer> {
  const sts = STS.has(action);
  const body = new URLSearchParams({
    Action: action,
    Version: sts ? '2011-06-15' : '2010-05-08',
    ...params,
  }).toString();
  const headers = await signHeaders(
    { method: 'POST', url: '/', host, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
    { service: sts ? 'sts' : 'iam', credentials },
  );
  const res = await test.berth.app.inject({ method: 'POST', url: '/', headers, payload: body });
  const text = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(res.body)?.[1];
  return {
    status: res.statusCode,
    code: text('Code'),
    message: (text('Message') ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&'),
    body: res.body,
  };
}

async function root(action: string, params: Record<string, string>): Promise<string> {
  const res = await call(action, params, TEST_ADMIN);
  assert.equal(res.status, 200, `${action} by the root: ${res.body}`);
  return res.body;
}

const rand = () => randomBytes(4).toString('hex');
const doc = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'ecr:ListImages', Resource: '*' }],
});
const trust = () =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }],
  });
const policyArn = () => `arn:aws:iam::${A}:policy/w-policy`;
const PASSWORD = 'Walk-password-1!';
const keyId = (xml: string) => /<AccessKeyId>([^<]+)/.exec(xml)![1]!;

const freshUser = async () => {
  const UserName = `w-${rand()}`;
  await root('CreateUser', { UserName });
  return UserName;
};
const freshRole = async () => {
  const RoleName = `w-${rand()}`;
  await root('CreateRole', { RoleName, AssumeRolePolicyDocument: trust() });
  return RoleName;
};

/** Input that passes validation, made afresh for each call (with the root's help where it needs state). */
const CASES: Record<string, () => Promise<Record<string, string>>> = {
  CreateUser: async () => ({ UserName: `w-${rand()}` }),
  GetUser: async () => ({ UserName: 'w-target' }),
  ListUsers: async () => ({}),
  DeleteUser: async () => ({ UserName: await freshUser() }),
  CreateAccessKey: async () => ({ UserName: await freshUser() }),
  ListAccessKeys: async () => ({ UserName: 'w-target' }),
  UpdateAccessKey: async () => {
    const UserName = await freshUser();
    return { UserName, AccessKeyId: keyId(await root('CreateAccessKey', { UserName })), Status: 'Inactive' };
  },
  DeleteAccessKey: async () => {
    const UserName = await freshUser();
    return { UserName, AccessKeyId: keyId(await root('CreateAccessKey', { UserName })) };
  },
  TagUser: async () => ({ UserName: 'w-target', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }),
  UntagUser: async () => ({ UserName: 'w-target', 'TagKeys.member.1': 'k' }),
  ListUserTags: async () => ({ UserName: 'w-target' }),
  CreateRole: async () => ({ RoleName: `w-${rand()}`, AssumeRolePolicyDocument: trust() }),
  GetRole: async () => ({ RoleName: 'w-role' }),
  ListRoles: async () => ({}),
  DeleteRole: async () => ({ RoleName: await freshRole() }),
  UpdateAssumeRolePolicy: async () => ({ RoleName: 'w-role', PolicyDocument: trust() }),
  TagRole: async () => ({ RoleName: 'w-role', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }),
  UntagRole: async () => ({ RoleName: 'w-role', 'TagKeys.member.1': 'k' }),
  ListRoleTags: async () => ({ RoleName: 'w-role' }),
  PutUserPolicy: async () => ({ UserName: 'w-target', PolicyName: 'p', PolicyDocument: doc }),
  GetUserPolicy: async () => ({ UserName: 'w-target', PolicyName: 'inline' }),
  ListUserPolicies: async () => ({ UserName: 'w-target' }),
  DeleteUserPolicy: async () => {
    await root('PutUserPolicy', { UserName: 'w-target', PolicyName: 'gone', PolicyDocument: doc });
    return { UserName: 'w-target', PolicyName: 'gone' };
  },
  AttachUserPolicy: async () => ({ UserName: 'w-target', PolicyArn: policyArn() }),
  DetachUserPolicy: async () => {
    await root('AttachUserPolicy', { UserName: 'w-target', PolicyArn: policyArn() });
    return { UserName: 'w-target', PolicyArn: policyArn() };
  },
  ListAttachedUserPolicies: async () => ({ UserName: 'w-target' }),
  PutRolePolicy: async () => ({ RoleName: 'w-role', PolicyName: 'p', PolicyDocument: doc }),
  GetRolePolicy: async () => ({ RoleName: 'w-role', PolicyName: 'inline' }),
  ListRolePolicies: async () => ({ RoleName: 'w-role' }),
  DeleteRolePolicy: async () => {
    await root('PutRolePolicy', { RoleName: 'w-role', PolicyName: 'gone', PolicyDocument: doc });
    return { RoleName: 'w-role', PolicyName: 'gone' };
  },
  AttachRolePolicy: async () => ({ RoleName: 'w-role', PolicyArn: policyArn() }),
  DetachRolePolicy: async () => {
    await root('AttachRolePolicy', { RoleName: 'w-role', PolicyArn: policyArn() });
    return { RoleName: 'w-role', PolicyArn: policyArn() };
  },
  ListAttachedRolePolicies: async () => ({ RoleName: 'w-role' }),
  CreatePolicy: async () => ({ PolicyName: `w-${rand()}`, PolicyDocument: doc }),
  GetPolicy: async () => ({ PolicyArn: policyArn() }),
  GetPolicyVersion: async () => ({ PolicyArn: policyArn(), VersionId: 'v1' }),
  ListPolicies: async () => ({}),
  DeletePolicy: async () => {
    const PolicyName = `w-${rand()}`;
    await root('CreatePolicy', { PolicyName, PolicyDocument: doc });
    return { PolicyArn: `arn:aws:iam::${A}:policy/${PolicyName}` };
  },
  CreateOpenIDConnectProvider: async () => ({ Url: `https://w${rand()}.example`, 'ClientIDList.member.1': 'x' }),
  GetOpenIDConnectProvider: async () => ({
    OpenIDConnectProviderArn: `arn:aws:iam::${A}:oidc-provider/issuer.example`,
  }),
  ListOpenIDConnectProviders: async () => ({}),
  DeleteOpenIDConnectProvider: async () => {
    const host = `w${rand()}.example`;
    await root('CreateOpenIDConnectProvider', { Url: `https://${host}`, 'ClientIDList.member.1': 'x' });
    return { OpenIDConnectProviderArn: `arn:aws:iam::${A}:oidc-provider/${host}` };
  },
  GetAccessKeyLastUsed: async () => ({ AccessKeyId: targetKey }),
  CreateLoginProfile: async () => ({ UserName: await freshUser(), Password: PASSWORD }),
  GetLoginProfile: async () => ({ UserName: 'w-target' }),
  UpdateLoginProfile: async () => ({ UserName: 'w-target', PasswordResetRequired: 'true' }),
  DeleteLoginProfile: async () => {
    const UserName = await freshUser();
    await root('CreateLoginProfile', { UserName, Password: PASSWORD });
    return { UserName };
  },
  // The caller changes its own password: both walkers get a known one first.
  ChangePassword: async () => {
    for (const UserName of ['w-exact', 'w-allbut']) {
      await root('DeleteLoginProfile', { UserName }).catch(() => {});
      await root('CreateLoginProfile', { UserName, Password: PASSWORD });
    }
    return { OldPassword: PASSWORD, NewPassword: `${PASSWORD}-${rand()}` };
  },
  GetAccountPasswordPolicy: async () => {
    await root('UpdateAccountPasswordPolicy', {});
    return {};
  },
  UpdateAccountPasswordPolicy: async () => ({ MinimumPasswordLength: '10' }),
  DeleteAccountPasswordPolicy: async () => {
    await root('UpdateAccountPasswordPolicy', {});
    return {};
  },
  GetCallerIdentity: async () => ({}),
  // The trust policy names the account: the caller's identity policy decides (sts:AssumeRole).
  AssumeRole: async () => ({ RoleArn: `arn:aws:iam::${A}:role/w-role`, RoleSessionName: 'w-session' }),
  AssumeRoleWithWebIdentity: async () => ({}),
};
let targetKey: string;

async function allow(user: 'w-exact' | 'w-allbut', statement: object): Promise<void> {
  await test.berth.userPolicies.putUserPolicy(
    A,
    user,
    'walk',
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*', ...statement }] }),
  );
}

before(async () => {
  test = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = test.berth.accountId;
  for (const [who, name] of [
    ['nobody', 'w-nobody'],
    ['exact', 'w-exact'],
    ['allBut', 'w-allbut'],
  ] as const) {
    await test.berth.identities.createUser(A, name);
    keys[who] = await test.berth.identities.createAccessKeyFor(A, name);
  }
  await root('CreateUser', { UserName: 'w-target' });
  targetKey = keyId(await root('CreateAccessKey', { UserName: 'w-target' }));
  await root('PutUserPolicy', { UserName: 'w-target', PolicyName: 'inline', PolicyDocument: doc });
  await root('CreateRole', { RoleName: 'w-role', AssumeRolePolicyDocument: trust() });
  await root('PutRolePolicy', { RoleName: 'w-role', PolicyName: 'inline', PolicyDocument: doc });
  await root('CreatePolicy', { PolicyName: 'w-policy', PolicyDocument: doc });
  await root('CreateOpenIDConnectProvider', { Url: 'https://issuer.example', 'ClientIDList.member.1': 'x' });
  await root('CreateLoginProfile', { UserName: 'w-target', Password: PASSWORD });
});
after(() => test?.close());

function walk(face: Face, answered: () => readonly string[]): void {
  describe(`authorization walk: ${face.toUpperCase()}`, () => {
    it('has a case for every action of the model Berth answers, and answers nothing outside the model', () => {
      const { walk, notInModel } = actionsToWalk(face, answered());
      assert.deepEqual(notInModel, []);
      assert.deepEqual(
        walk,
        Object.keys(CASES)
          .filter((a) => STS.has(a) === (face === 'sts'))
          .sort(),
      );
    });

    it('authorizes each action under its own IAM action name', async () => {
      for (const action of actionsToWalk(face, answered()).walk) {
        const needed = requiredActions(face, action);
        const documented = exception(face, action);
        if (documented?.notWalked) continue;
        if (needed.length === 0) {
          const res = await call(action, await CASES[action]!(), keys.nobody);
          assert.equal(res.status, 200, `${action} needs no permission: ${res.body}`);
          continue;
        }
        await allow('w-exact', { Action: needed });
        const served = await call(action, await CASES[action]!(), keys.exact);
        assert.equal(served.status, 200, `${action} for a user allowed exactly ${needed.join(' + ')}: ${served.body}`);
        for (const one of needed) {
          await allow('w-allbut', { NotAction: [one] });
          const refused = await call(action, await CASES[action]!(), keys.allBut);
          assert.deepEqual(
            [refused.status, refused.code],
            [403, 'AccessDenied'],
            `${action} for a user allowed everything but ${one}: ${refused.body}`,
          );
          assert.ok(
            namesDenial(refused.message, one, documented?.resource),
            `${action}: the denial names ${one}: ${refused.message}`,
          );
        }
      }
    });
  });
}

const answered = (prefix: string) => () =>
  test.berth.queryActions.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length));
walk('iam', answered('iam:'));
walk('sts', answered('sts:'));
