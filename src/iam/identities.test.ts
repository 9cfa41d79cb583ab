// Administration of accounts, users and access keys through the identity service, on the
// metadata backend of this test pass: what is created, listed, refused, and what stops working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestDeployment, type TestDeployment } from '../testing/server.js';
import { IdentityError, IdentityService, isAccessKeyId } from './identities.js';

function refusedAs(code: IdentityError['code'], message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof IdentityError, `an IdentityError, not ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('IdentityService administration', () => {
  let test: TestDeployment;
  let identities: IdentityService;
  let defaultAccount: string;

  before(async () => {
    test = await openTestDeployment();
    identities = test.deployment.identities;
    defaultAccount = test.deployment.accountId;
  });
  after(() => test.close());

  it('opening a deployment makes its default account, with a root identity and no key yet', async () => {
    assert.match(defaultAccount, /^\d{12}$/);
    assert.deepEqual(
      (await identities.listAccounts()).map((a) => a.id),
      [defaultAccount],
    );
    const [root, ...others] = await identities.listUsers(defaultAccount);
    assert.equal(root?.kind, 'root');
    assert.equal(root?.arn, `arn:aws:iam::${defaultAccount}:root`);
    assert.deepEqual(others, []);
    assert.deepEqual(await identities.listAccessKeys(defaultAccount), []);
  });

  it('creates accounts with a given or a new id, and refuses a duplicate or malformed one', async () => {
    const made = await identities.createAccount('111111111111');
    assert.equal(made.id, '111111111111');
    const generated = await identities.createAccount();
    assert.match(generated.id, /^\d{12}$/);
    assert.ok((await identities.listAccounts()).some((a) => a.id === generated.id));
    await assert.rejects(identities.createAccount('111111111111'), refusedAs('EntityAlreadyExists', /111111111111/));
    await assert.rejects(identities.createAccount('12345'), refusedAs('InvalidInput'));
    await assert.rejects(identities.account('999999999998'), refusedAs('NoSuchEntity'));
  });

  it('creates, lists and deletes users; refuses duplicates, bad names, the root and unknown accounts', async () => {
    const account = (await identities.createAccount()).id;
    const ci = await identities.createUser(account, 'ci-bot');
    assert.equal(ci?.arn, `arn:aws:iam::${account}:user/ci-bot`);
    await identities.createUser(account, 'alice@example.com');
    assert.equal(await identities.createUser(account, 'ci-bot'), undefined, 'the name is taken');
    assert.equal(await identities.createUser(account, 'root'), undefined, 'root is taken by the root identity');
    await assert.rejects(identities.createUser(account, 'no spaces'), refusedAs('InvalidInput'));
    await assert.rejects(identities.createUser(account, 'x'.repeat(65)), refusedAs('InvalidInput'));
    await assert.rejects(identities.createUser('999999999998', 'ci-bot'), refusedAs('NoSuchEntity'));
    assert.deepEqual(
      (await identities.listUsers(account)).map((u) => [u.name, u.kind]),
      [
        ['root', 'root'],
        ['alice@example.com', 'user'],
        ['ci-bot', 'user'],
      ],
    );
    await identities.deleteUser(account, 'alice@example.com');
    assert.deepEqual(
      (await identities.listUsers(account)).map((u) => u.name),
      ['root', 'ci-bot'],
    );
    await assert.rejects(identities.deleteUser(account, 'alice@example.com'), refusedAs('NoSuchEntity'));
    await assert.rejects(identities.deleteUser(account, 'root'), refusedAs('DeleteConflict'));
  });

  it('creates keys for the root or a user, lists them without secrets, and they resolve to their identity', async () => {
    const account = (await identities.createAccount()).id;
    await identities.createUser(account, 'ci');
    const rootKey = await identities.createAccessKeyFor(account);
    const userKey = await identities.createAccessKeyFor(account, 'ci');
    assert.ok(isAccessKeyId(rootKey.accessKeyId) && isAccessKeyId(userKey.accessKeyId));
    assert.equal(rootKey.user.kind, 'root');
    assert.equal(userKey.user.name, 'ci');
    assert.ok(userKey.secretAccessKey.length >= 40);
    const all = await identities.listAccessKeys(account);
    assert.deepEqual(
      all.map((k) => [k.accessKeyId, k.userName, k.status]),
      [
        [rootKey.accessKeyId, 'root', 'Active'],
        [userKey.accessKeyId, 'ci', 'Active'],
      ],
    );
    assert.ok(!JSON.stringify(all).includes(userKey.secretAccessKey), 'no secret in a listing');
    assert.deepEqual(
      (await identities.listAccessKeys(account, 'ci')).map((k) => k.accessKeyId),
      [userKey.accessKeyId],
    );
    const resolved = await identities.resolve(userKey.accessKeyId);
    assert.equal(resolved?.secret, userKey.secretAccessKey);
    assert.equal(resolved?.principal.arn, `arn:aws:iam::${account}:user/ci`);
    assert.equal(resolved?.principal.accountId, account);
    await assert.rejects(identities.createAccessKeyFor(account, 'nobody'), refusedAs('NoSuchEntity'));
    await assert.rejects(identities.createAccessKeyFor('999999999998'), refusedAs('NoSuchEntity'));
  });

  it('deactivates, activates and deletes keys, effective on this node at once', async () => {
    const key = await identities.createAccessKeyFor(defaultAccount);
    assert.equal((await identities.resolve(key.accessKeyId))?.active, true, 'now cached as active');
    await identities.setAccessKeyStatus(key.accessKeyId, 'Inactive');
    assert.equal((await identities.resolve(key.accessKeyId))?.active, false);
    assert.equal(
      (await identities.listAccessKeys(defaultAccount)).find((k) => k.accessKeyId === key.accessKeyId)?.status,
      'Inactive',
    );
    await identities.setAccessKeyStatus(key.accessKeyId, 'Active');
    assert.equal((await identities.resolve(key.accessKeyId))?.active, true);
    await identities.deleteAccessKey(key.accessKeyId);
    assert.equal(await identities.resolve(key.accessKeyId), undefined);
    await assert.rejects(identities.deleteAccessKey(key.accessKeyId), refusedAs('NoSuchEntity'));
    await assert.rejects(identities.setAccessKeyStatus(key.accessKeyId, 'Active'), refusedAs('NoSuchEntity'));
    await assert.rejects(identities.setAccessKeyStatus('not-a-key', 'Active'), refusedAs('NoSuchEntity'));
  });

  it('deleting a user deletes its keys, which stop resolving at once', async () => {
    await identities.createUser(defaultAccount, 'leaver');
    const key = await identities.createAccessKeyFor(defaultAccount, 'leaver');
    assert.ok(await identities.resolve(key.accessKeyId));
    await identities.deleteUser(defaultAccount, 'leaver');
    assert.equal(await identities.resolve(key.accessKeyId), undefined);
    assert.ok(!(await identities.listAccessKeys(defaultAccount)).some((k) => k.accessKeyId === key.accessKeyId));
  });

  it('nodes starting at the same moment with the same pinned administrator key create it once', async () => {
    const account = (await identities.createAccount()).id;
    const pinned = { accessKeyId: 'AKIAPINNEDKEY2345672', secretAccessKey: 'pinned-secret-of-forty-characters-xxxxxx' };
    const nodes = Array.from(
      { length: 4 },
      () => new IdentityService(test.deployment.store, test.deployment.masterKey),
    );
    const created = await Promise.all(nodes.map((node) => node.bootstrap(account, pinned)));
    assert.equal(created.filter(Boolean).length, 1, 'one node created it, the others found it');
    assert.deepEqual(
      (await identities.listAccessKeys(account)).map((k) => k.accessKeyId),
      [pinned.accessKeyId],
    );
    assert.equal((await identities.resolve(pinned.accessKeyId))?.secret, pinned.secretAccessKey);
  });

  it('nodes starting at the same moment on a new account create one administrator key, not one each', async () => {
    const account = (await identities.createAccount()).id;
    const nodes = Array.from(
      { length: 4 },
      () => new IdentityService(test.deployment.store, test.deployment.masterKey),
    );
    const created = await Promise.all(nodes.map((node) => node.bootstrap(account)));
    assert.equal(created.filter(Boolean).length, 1, 'one node created (and would print) a key');
    assert.equal((await identities.listAccessKeys(account)).length, 1);
    assert.equal(await identities.bootstrap(account), undefined, 'a later start creates none');
  });

  it('another node sees a change within the key cache: forget() makes it immediate', async () => {
    const key = await identities.createAccessKeyFor(defaultAccount);
    assert.equal((await identities.resolve(key.accessKeyId))?.active, true);
    // Another process (berth admin) deactivates it behind this node's cache.
    await test.deployment.store.identities.setAccessKeyStatus(key.accessKeyId, 'Inactive');
    assert.equal((await identities.resolve(key.accessKeyId))?.active, true, 'still cached');
    assert.equal((await identities.resolve(key.accessKeyId, Date.now() + 5_001))?.active, false, 'the cache lasts 5 s');
    await test.deployment.store.identities.setAccessKeyStatus(key.accessKeyId, 'Active');
    identities.forget(key.accessKeyId);
    assert.equal((await identities.resolve(key.accessKeyId))?.active, true);
  });
});
