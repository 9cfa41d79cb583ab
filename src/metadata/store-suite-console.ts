// The metadata suite's part for the console: a login profile per user (created once, updated,
// deleted), an account's password policy, sessions read, touched forward only and ended (one, a
// user's, the idle ones), and sign-in failures counted in a window. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { LoginProfile, PasswordPolicy } from '../domain/records/console.js';
import { freshAccount } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

const profile = (accountId: string, userId = randomUUID().slice(0, 20)): LoginProfile => ({
  userId,
  accountId,
  passwordHash: 'scrypt$x',
  resetRequired: true,
  createdAt: 1_000,
  changedAt: 1_000,
  history: [],
});

const POLICY: PasswordPolicy = {
  minimumPasswordLength: 12,
  requireSymbols: true,
  requireNumbers: false,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: false,
  allowUsersToChangePassword: true,
  maxPasswordAge: 90,
  passwordReusePrevention: 3,
  hardExpiry: null,
};

export function describeConsoleMetadata(subject: () => MetadataStore): void {
  describe('console', () => {
    it('a login profile is created once per user, updated and deleted', async () => {
      const store = subject();
      const p = profile(freshAccount());
      assert.equal(await store.console.createLoginProfile(p), true);
      assert.equal(await store.console.createLoginProfile({ ...p, passwordHash: 'other' }), false);
      assert.deepEqual(await store.console.getLoginProfile(p.userId), p);
      assert.equal(
        await store.console.updateLoginProfile(p.userId, {
          passwordHash: 'scrypt$y',
          resetRequired: false,
          changedAt: 2_000,
          history: ['scrypt$x'],
        }),
        true,
      );
      assert.deepEqual(await store.console.getLoginProfile(p.userId), {
        ...p,
        passwordHash: 'scrypt$y',
        resetRequired: false,
        changedAt: 2_000,
        history: ['scrypt$x'],
      });
      assert.equal(await store.console.updateLoginProfile('nobody-here', { resetRequired: true }), false);
      assert.equal(await store.console.deleteLoginProfile(p.userId), true);
      assert.equal(await store.console.deleteLoginProfile(p.userId), false);
      assert.equal(await store.console.getLoginProfile(p.userId), undefined);
    });

    it("an account's password policy is put, replaced and deleted", async () => {
      const store = subject();
      const account = freshAccount();
      assert.equal(await store.console.getPasswordPolicy(account), undefined);
      await store.console.putPasswordPolicy(account, POLICY);
      assert.deepEqual(await store.console.getPasswordPolicy(account), POLICY);
      await store.console.putPasswordPolicy(account, { ...POLICY, minimumPasswordLength: 8 });
      assert.equal((await store.console.getPasswordPolicy(account))?.minimumPasswordLength, 8);
      assert.equal(await store.console.getPasswordPolicy(freshAccount()), undefined);
      assert.equal(await store.console.deletePasswordPolicy(account), true);
      assert.equal(await store.console.deletePasswordPolicy(account), false);
    });

    it('sessions are read, touched forward only, and ended one, per user or when idle', async () => {
      const store = subject();
      const account = freshAccount();
      const user = randomUUID().slice(0, 20);
      const session = (id: string, lastSeenAt: number) => ({
        id,
        userId: user,
        accountId: account,
        csrfToken: `csrf-${id}`,
        createdAt: 1_000,
        lastSeenAt,
      });
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await store.console.createSession(session(a, 5_000));
      await store.console.createSession(session(b, 5_000));
      await store.console.createSession({ ...session(c, 1), userId: 'someone-else' });
      assert.deepEqual(await store.console.getSession(a), session(a, 5_000));
      await store.console.touchSession(a, 9_000);
      await store.console.touchSession(a, 7_000);
      assert.equal((await store.console.getSession(a))?.lastSeenAt, 9_000);
      assert.ok((await store.console.deleteIdleSessions(2)) >= 1);
      assert.equal(await store.console.getSession(c), undefined);
      assert.ok(await store.console.getSession(b));
      await store.console.deleteSession(b);
      assert.equal(await store.console.getSession(b), undefined);
      await store.console.deleteUserSessions(user);
      assert.equal(await store.console.getSession(a), undefined);
    });

    it('sign-in failures are counted within a window and cleared', async () => {
      const store = subject();
      const key = `user:${freshAccount()}/alice`;
      assert.equal(await store.console.failures(key, 0), 0);
      assert.equal(await store.console.recordFailure(key, 1_000, 0), 1);
      assert.equal(await store.console.recordFailure(key, 2_000, 0), 2);
      assert.equal(await store.console.failures(key, 1_500), 2);
      assert.equal(await store.console.failures(key, 2_001), 0);
      // A failure after the window passed starts the count again.
      assert.equal(await store.console.recordFailure(key, 100_000, 50_000), 1);
      await store.console.clearFailures(key);
      assert.equal(await store.console.failures(key, 0), 0);
    });
  });
}
