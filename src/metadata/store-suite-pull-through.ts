// The metadata suite's part for the pull-through cache: rules once per account and prefix, read,
// updated, deleted, listed in byte order; tag checks; fetch leases that one holder has at a time.
// Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { PullThroughRule } from '../domain/records/pull-through.js';
import { freshAccount, freshRepository } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

function rule(accountId: string, prefix: string, overrides: Partial<PullThroughRule> = {}): PullThroughRule {
  return {
    accountId,
    prefix,
    upstreamRegistryUrl: 'registry-1.docker.io',
    upstreamRegistry: 'docker-hub',
    credentialArn: null,
    customRoleArn: null,
    upstreamRepositoryPrefix: 'ROOT',
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

export function describePullThroughMetadata(subject: () => MetadataStore): void {
  describe('pull-through cache', () => {
    it('a rule is created once per account and prefix, read back whole, updated and deleted', async () => {
      const store = subject();
      const account = freshAccount();
      const full = rule(account, 'hub', {
        credentialArn: `arn:aws:secretsmanager:us-east-1:${account}:secret:ecr-pullthroughcache/hub-AbCdEf`,
        customRoleArn: `arn:aws:iam::${account}:role/r`,
        upstreamRepositoryPrefix: 'library',
      });
      assert.equal(await store.pullThrough.createRule(full), true);
      assert.equal(await store.pullThrough.createRule(rule(account, 'hub')), false, 'the prefix is taken');
      assert.equal(await store.pullThrough.createRule(rule(freshAccount(), 'hub')), true, 'per account');
      assert.deepEqual(await store.pullThrough.getRule(account, 'hub'), full);
      assert.equal(await store.pullThrough.getRule(account, 'hu'), undefined);

      const updated = await store.pullThrough.updateRule(
        account,
        'hub',
        { credentialArn: null, customRoleArn: null },
        2_000,
      );
      assert.deepEqual(updated, { ...full, credentialArn: null, customRoleArn: null, updatedAt: 2_000 });
      assert.equal(
        await store.pullThrough.updateRule(account, 'none', { credentialArn: null, customRoleArn: null }, 1),
        undefined,
      );
      assert.deepEqual(await store.pullThrough.deleteRule(account, 'hub'), updated);
      assert.equal(await store.pullThrough.deleteRule(account, 'hub'), undefined);
      assert.equal(await store.pullThrough.countRules(account), 0);
    });

    it('rules are listed in byte order of prefix, page by page and by prefixes', async () => {
      const store = subject();
      const account = freshAccount();
      for (const prefix of ['quay', 'ROOT', 'hub', 'hub-b', 'a/b'])
        assert.ok(await store.pullThrough.createRule(rule(account, prefix)));
      const all = (await store.pullThrough.listRules(account, { limit: 10 })).map((r) => r.prefix);
      assert.deepEqual(all, ['ROOT', 'a/b', 'hub', 'hub-b', 'quay']);
      const second = await store.pullThrough.listRules(account, { last: 'a/b', limit: 2 });
      assert.deepEqual(
        second.map((r) => r.prefix),
        ['hub', 'hub-b'],
      );
      const some = await store.pullThrough.listRules(account, { limit: 10, prefixes: ['quay', 'ROOT', 'none'] });
      assert.deepEqual(
        some.map((r) => r.prefix),
        ['ROOT', 'quay'],
      );
      assert.deepEqual(await store.pullThrough.listRules(account, { limit: 10, prefixes: [] }), []);
      assert.equal(await store.pullThrough.countRules(account), 5);
      const anyRegistry = rule(account, 'harbor', {
        upstreamRegistry: null,
        upstreamRegistryUrl: 'harbor.example.com',
      });
      assert.ok(await store.pullThrough.createRule(anyRegistry));
      assert.deepEqual(await store.pullThrough.getRule(account, 'harbor'), anyRegistry, 'any OCI registry');
    });

    it("a tag's last check upstream is kept per repository and tag, and goes with its repository", async () => {
      const store = subject();
      const repository = (await freshRepository(store, 'cached/app')).id;
      assert.equal(await store.pullThrough.tagCheckedAt(repository, 'latest'), undefined);
      await store.pullThrough.setTagChecked(repository, 'latest', 5_000);
      await store.pullThrough.setTagChecked(repository, 'latest', 7_000);
      await store.pullThrough.setTagChecked(repository, 'v1', 1_000);
      assert.equal(await store.pullThrough.tagCheckedAt(repository, 'latest'), 7_000);
      assert.equal(await store.pullThrough.tagCheckedAt(repository, 'v1'), 1_000);
      assert.equal(await store.pullThrough.tagCheckedAt(randomUUID(), 'latest'), undefined);
      await store.pullThrough.setTagChecked(randomUUID(), 'latest', 1_000);
      assert.ok(await store.repositories.delete(repository));
      assert.equal(await store.pullThrough.tagCheckedAt(repository, 'latest'), undefined, 'deleted with it');
      assert.equal(await store.pullThrough.tagCheckedAt(repository, 'v1'), undefined);
    });

    it('a fetch lease is one holder’s until it runs out or is released', async () => {
      const store = subject();
      const key = `fetch-${randomUUID()}`;
      assert.equal(await store.pullThrough.leaseFetch(key, 'a', 100, 200), true);
      assert.equal(await store.pullThrough.leaseFetch(key, 'b', 150, 250), false, 'a holds it');
      assert.equal(await store.pullThrough.leaseFetch(key, 'a', 150, 300), true, 'renewed by its holder');
      assert.equal(await store.pullThrough.leaseFetch(key, 'b', 301, 400), true, 'run out');
      await store.pullThrough.releaseFetch(key, 'a');
      assert.equal(await store.pullThrough.leaseFetch(key, 'a', 302, 400), false, 'not released by another');
      await store.pullThrough.releaseFetch(key, 'b');
      assert.equal(await store.pullThrough.leaseFetch(key, 'a', 303, 400), true);
    });
  });
}
