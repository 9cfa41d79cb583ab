// Console passwords through the AWS CLI v2: login profiles (create, get, update, delete, with the
// password policy enforced and IAM's error codes), a user changing its own password, the account
// password policy (update, get, delete), and a user with a login profile refused deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../testing/cli.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let test: TestBerth;
const env = (key: { accessKeyId: string; secretAccessKey: string }) => ({
  AWS_ACCESS_KEY_ID: key.accessKeyId,
  AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
  AWS_PAGER: '',
});
const ROOT = env(TEST_ADMIN);

async function aws(args: string[], who = ROOT): Promise<{ code: number; json: any; stderr: string }> {
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
async function ok(args: string[], who = ROOT): Promise<any> {
  const res = await aws(args, who);
  assert.equal(res.code, 0, `aws ${args.join(' ')}: ${res.stderr}`);
  return res.json;
}
async function fails(args: string[], code: string, who = ROOT): Promise<string> {
  const res = await aws(args, who);
  assert.notEqual(res.code, 0, `aws ${args.join(' ')} should fail`);
  assert.match(res.stderr, new RegExp(`An error occurred \\(${code}\\)`), res.stderr);
  return res.stderr;
}

before(async () => {
  test = await startBerth({ settings: { auth: { mode: 'iam' } } });
});
after(() => test?.close());

describe('login profiles and the password policy through the AWS CLI', () => {
  it('creates, reads, updates and deletes a login profile under the password policy', async (t) => {
    if (!requireAwsCli(t)) return;
    await ok(['iam', 'create-user', '--user-name', 'ann']);
    // No policy: IAM's default (8 characters, three kinds).
    await fails(
      ['iam', 'create-login-profile', '--user-name', 'ann', '--password', 'short'],
      'PasswordPolicyViolation',
    );
    const created = await ok([
      'iam',
      'create-login-profile',
      '--user-name',
      'ann',
      '--password',
      'First-pass-1',
      '--password-reset-required',
    ]);
    assert.equal(created.LoginProfile.UserName, 'ann');
    assert.equal(created.LoginProfile.PasswordResetRequired, true);
    assert.ok(Date.parse(created.LoginProfile.CreateDate) > 0);
    await fails(
      ['iam', 'create-login-profile', '--user-name', 'ann', '--password', 'First-pass-1'],
      'EntityAlreadyExists',
    );
    const got = await ok(['iam', 'get-login-profile', '--user-name', 'ann']);
    assert.deepEqual(got.LoginProfile, created.LoginProfile);

    await ok(['iam', 'update-login-profile', '--user-name', 'ann', '--no-password-reset-required']);
    assert.equal(
      (await ok(['iam', 'get-login-profile', '--user-name', 'ann'])).LoginProfile.PasswordResetRequired,
      false,
    );
    // The profile keeps the user from being deleted, as IAM does.
    await fails(['iam', 'delete-user', '--user-name', 'ann'], 'DeleteConflict');
    await ok(['iam', 'delete-login-profile', '--user-name', 'ann']);
  });

  it('sets the account password policy, enforces it, and lets a user change its own password', async (t) => {
    if (!requireAwsCli(t)) return;
    await ok([
      'iam',
      'update-account-password-policy',
      '--minimum-password-length',
      '12',
      '--require-symbols',
      '--require-numbers',
      '--allow-users-to-change-password',
      '--password-reuse-prevention',
      '2',
    ]);
    const policy = (await ok(['iam', 'get-account-password-policy'])).PasswordPolicy;
    assert.equal(policy.MinimumPasswordLength, 12);
    assert.equal(policy.RequireSymbols, true);
    assert.equal(policy.RequireNumbers, true);
    assert.equal(policy.RequireUppercaseCharacters, false);
    assert.equal(policy.AllowUsersToChangePassword, true);
    assert.equal(policy.ExpirePasswords, false);
    assert.equal(policy.PasswordReusePrevention, 2);

    await ok(['iam', 'create-user', '--user-name', 'bob']);
    await fails(
      ['iam', 'create-login-profile', '--user-name', 'bob', '--password', 'no-digits-here!'],
      'PasswordPolicyViolation',
    );
    await ok(['iam', 'create-login-profile', '--user-name', 'bob', '--password', 'bob-password-1!']);
    const bob = env(await test.berth.identities.createAccessKeyFor(test.berth.accountId, 'bob'));
    // AllowUsersToChangePassword: bob needs no policy of his own to change his password.
    await fails(
      ['iam', 'change-password', '--old-password', 'wrong-password-1!', '--new-password', 'bob-password-2!'],
      'InvalidInput',
      bob,
    );
    await fails(
      ['iam', 'change-password', '--old-password', 'bob-password-1!', '--new-password', 'bob-password-1!'],
      'PasswordPolicyViolation',
      bob,
    );
    await ok(['iam', 'change-password', '--old-password', 'bob-password-1!', '--new-password', 'bob-password-2!'], bob);
    // The root has no IAM user to change a password for.
    await fails(
      ['iam', 'change-password', '--old-password', 'bob-password-2!', '--new-password', 'bob-password-3!'],
      'InvalidUserType',
    );
    // Without the policy's permission, a user needs iam:ChangePassword.
    await ok(['iam', 'delete-account-password-policy']);
    await fails(
      ['iam', 'change-password', '--old-password', 'bob-password-2!', '--new-password', 'Bob-password-3!'],
      'AccessDenied',
      bob,
    );
  });
});
