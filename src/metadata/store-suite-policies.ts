// The metadata suite's part for policies: repository and registry policies, inline and customer
// managed policies with their attachments. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount } from './store-suite-fixtures.js';
import type { ManagedPolicyRecord, PolicyOwner } from '../domain/records/policies.js';
import type { MetadataStore } from './store.js';

const text = (sid: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });

function managed(accountId: string, name: string): ManagedPolicyRecord {
  return {
    arn: `arn:aws:iam::${accountId}:policy/${name}`,
    id: `ANPA${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`,
    accountId,
    name,
    path: '/',
    description: null,
    policyText: text(name),
    createdAt: 1_000,
    updatedAt: 1_000,
  };
}

export function describePolicyMetadata(subject: () => MetadataStore): void {
  describe('policies', () => {
    it('a repository policy is set, replaced, read, deleted, and goes with its repository', async () => {
      const store = subject();
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'policy/app');
      assert.equal(await store.policies.getRepositoryPolicy(repository.id), undefined);
      assert.equal(await store.policies.setRepositoryPolicy(repository.id, text('One'), 1), true);
      assert.equal(await store.policies.setRepositoryPolicy(repository.id, text('Two'), 2), true);
      assert.equal(await store.policies.getRepositoryPolicy(repository.id), text('Two'));
      assert.equal(await store.policies.deleteRepositoryPolicy(repository.id), text('Two'));
      assert.equal(await store.policies.deleteRepositoryPolicy(repository.id), undefined);
      assert.equal(await store.policies.setRepositoryPolicy('no-such-repository', text('X'), 3), false);
      await store.policies.setRepositoryPolicy(repository.id, text('Three'), 4);
      assert.ok(await store.repositories.delete(repository.id));
      const again = await store.repositories.ensure(account, 'policy/app');
      assert.equal(
        await store.policies.getRepositoryPolicy(again.id),
        undefined,
        'a repository made again starts without the old policy',
      );
    });

    it('a registry policy is one per account', async () => {
      const store = subject();
      const [a, b] = [freshAccount(), freshAccount()];
      await store.policies.putRegistryPolicy(a, text('A1'), 1);
      await store.policies.putRegistryPolicy(a, text('A2'), 2);
      await store.policies.putRegistryPolicy(b, text('B'), 2);
      assert.equal(await store.policies.getRegistryPolicy(a), text('A2'));
      assert.equal(await store.policies.deleteRegistryPolicy(a), text('A2'));
      assert.equal(await store.policies.getRegistryPolicy(a), undefined);
      assert.equal(await store.policies.getRegistryPolicy(b), text('B'));
    });

    it('inline policies belong to one owner each, listed by name', async () => {
      const store = subject();
      const user: PolicyOwner = { type: 'user', id: `AIDA${randomUUID()}`.slice(0, 21) };
      const role: PolicyOwner = { type: 'role', id: user.id };
      await store.policies.putInlinePolicy(user, 'b', text('B'));
      await store.policies.putInlinePolicy(user, 'a', text('A'));
      await store.policies.putInlinePolicy(user, 'a', text('A2'));
      await store.policies.putInlinePolicy(role, 'a', text('R'));
      assert.deepEqual(await store.policies.listInlinePolicies(user), [
        { name: 'a', policyText: text('A2') },
        { name: 'b', policyText: text('B') },
      ]);
      assert.equal(await store.policies.getInlinePolicy(role, 'a'), text('R'));
      assert.equal(await store.policies.deleteInlinePolicy(user, 'a'), true);
      assert.equal(await store.policies.deleteInlinePolicy(user, 'a'), false);
      assert.deepEqual(
        (await store.policies.listInlinePolicies(user)).map((p) => p.name),
        ['b'],
      );
    });

    it('managed policies: one name per account, attached by ARN, not deleted while attached', async () => {
      const store = subject();
      const account = freshAccount();
      const policy = managed(account, 'Pushers');
      assert.equal(await store.policies.createManagedPolicy(policy), true);
      assert.equal(
        await store.policies.createManagedPolicy({ ...managed(account, 'Pushers'), policyText: text('Other') }),
        false,
      );
      assert.deepEqual(await store.policies.getManagedPolicy(policy.arn), policy);
      assert.deepEqual(
        (await store.policies.listManagedPolicies(account)).map((p) => p.name),
        ['Pushers'],
      );
      const owner: PolicyOwner = { type: 'role', id: `AROA${randomUUID()}`.slice(0, 21) };
      const aws = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly';
      assert.equal(await store.policies.attachPolicy(owner, policy.arn), true);
      assert.equal(await store.policies.attachPolicy(owner, policy.arn), false);
      assert.equal(await store.policies.attachPolicy(owner, aws), true);
      assert.deepEqual(await store.policies.listAttachedPolicies(owner), [aws, policy.arn].sort());
      assert.equal(await store.policies.attachmentCount(policy.arn), 1);
      await store.policies.putInlinePolicy(owner, 'own', text('Own'));
      assert.deepEqual(await store.policies.identityPolicies(owner), {
        policies: [
          { name: 'own', policyText: text('Own') },
          { name: policy.arn, policyText: policy.policyText },
        ],
        otherArns: [aws],
      });
      assert.equal(await store.policies.deleteManagedPolicy(policy.arn), 'attached');
      assert.equal(await store.policies.detachPolicy(owner, policy.arn), true);
      assert.equal(await store.policies.deleteManagedPolicy(policy.arn), 'deleted');
      assert.equal(await store.policies.deleteManagedPolicy(policy.arn), 'missing');
      await store.policies.deleteOwner(owner);
      assert.deepEqual(await store.policies.identityPolicies(owner), { policies: [], otherArns: [] });
    });

    it("counts an AWS managed policy's attachments per account (users and roles of that account only)", async () => {
      const store = subject();
      const aws = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser';
      const [a, b] = [freshAccount(), freshAccount()];
      const before = await store.policies.attachmentCount(aws);
      for (const account of [a, b]) await store.identities.ensureAccount(account, 1);
      const user = (account: string, name: string) => ({
        id: `AIDA${randomUUID()}`.slice(0, 21),
        accountId: account,
        name,
        kind: 'user' as const,
        arn: `arn:aws:iam::${account}:user/${name}`,
        createdAt: 1,
      });
      const [ua, ub] = [user(a, 'ua'), user(b, 'ub')];
      await store.identities.createUser(ua);
      await store.identities.createUser(ub);
      const role = {
        id: `AROA${randomUUID()}`.slice(0, 21),
        accountId: a,
        name: 'ra',
        path: '/',
        arn: `arn:aws:iam::${a}:role/ra`,
        trustPolicy: '{}',
        description: null,
        maxSessionDuration: 3600,
        createdAt: 1,
      };
      assert.ok(await store.roles.create(role));
      await store.policies.attachPolicy({ type: 'user', id: ua.id }, aws);
      await store.policies.attachPolicy({ type: 'role', id: role.id }, aws);
      await store.policies.attachPolicy({ type: 'user', id: ub.id }, aws);
      assert.equal(await store.policies.attachmentCount(aws, a), 2);
      assert.equal(await store.policies.attachmentCount(aws, b), 1);
      assert.equal(await store.policies.attachmentCount(aws, freshAccount()), 0);
      assert.equal(await store.policies.attachmentCount(aws), before + 3);
    });

    it('deleting a user deletes its inline policies and attachments', async () => {
      const store = subject();
      const account = freshAccount();
      await store.identities.ensureAccount(account, 1);
      const id = `AIDA${randomUUID()}`.slice(0, 21);
      await store.identities.createUser({
        id,
        accountId: account,
        name: 'leaving',
        kind: 'user',
        arn: `arn:aws:iam::${account}:user/leaving`,
        createdAt: 1,
      });
      const owner: PolicyOwner = { type: 'user', id };
      await store.policies.putInlinePolicy(owner, 'p', text('P'));
      await store.policies.attachPolicy(owner, 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly');
      assert.ok(await store.identities.deleteUser(id));
      assert.deepEqual(await store.policies.identityPolicies(owner), { policies: [], otherArns: [] });
    });
  });
}
