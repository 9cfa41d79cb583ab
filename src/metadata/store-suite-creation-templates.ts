// The metadata suite's part for repository creation templates: one per account and prefix, read,
// updated, deleted, listed in byte order page by page and by prefixes. Run by store-suite.ts on
// every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreationTemplate } from '../domain/records/creation-templates.js';
import { freshAccount } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

function template(accountId: string, prefix: string, overrides: Partial<CreationTemplate> = {}): CreationTemplate {
  return {
    accountId,
    prefix,
    description: null,
    encryptionType: 'AES256',
    kmsKey: null,
    resourceTags: [],
    imageTagMutability: 'MUTABLE',
    imageTagMutabilityExclusionFilters: [],
    repositoryPolicy: null,
    lifecyclePolicy: null,
    appliedFor: ['CREATE_ON_PUSH'],
    customRoleArn: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

export function describeCreationTemplateMetadata(subject: () => MetadataStore): void {
  describe('repository creation templates', () => {
    it('a template is created once per account and prefix, read back whole, updated and deleted', async () => {
      const store = subject();
      const account = freshAccount();
      const full = template(account, 'prod/team', {
        description: 'the team',
        encryptionType: 'KMS',
        kmsKey: `arn:aws:kms:us-east-1:${account}:key/k`,
        resourceTags: [
          { key: 'team', value: 'blue' },
          { key: 'cost', value: '' },
        ],
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest*' }],
        repositoryPolicy: '{"Version":"2012-10-17","Statement":[]}',
        lifecyclePolicy: '{"rules":[]}',
        appliedFor: ['REPLICATION', 'CREATE_ON_PUSH'],
        customRoleArn: `arn:aws:iam::${account}:role/r`,
      });
      assert.equal(await store.creationTemplates.create(full), true);
      assert.equal(await store.creationTemplates.create(template(account, 'prod/team')), false, 'the prefix is taken');
      assert.equal(await store.creationTemplates.create(template(freshAccount(), 'prod/team')), true, 'per account');
      assert.deepEqual(await store.creationTemplates.get(account, 'prod/team'), full);
      assert.equal(await store.creationTemplates.get(account, 'prod'), undefined);

      const { accountId: _a, prefix: _p, createdAt: _c, updatedAt: _u, ...settings } = full;
      const changed = {
        ...settings,
        description: null,
        imageTagMutability: 'MUTABLE' as const,
        imageTagMutabilityExclusionFilters: [],
      };
      const updated = await store.creationTemplates.update(account, 'prod/team', changed, 2_000);
      assert.deepEqual(updated, { ...full, ...changed, updatedAt: 2_000 });
      assert.deepEqual(await store.creationTemplates.get(account, 'prod/team'), updated);
      assert.equal(await store.creationTemplates.update(account, 'missing', changed, 3_000), undefined);

      assert.equal(await store.creationTemplates.count(account), 1);
      assert.deepEqual(await store.creationTemplates.delete(account, 'prod/team'), updated);
      assert.equal(await store.creationTemplates.delete(account, 'prod/team'), undefined);
      assert.equal(await store.creationTemplates.count(account), 0);
    });

    it('lists in byte order page by page, and only the prefixes asked for', async () => {
      const store = subject();
      const account = freshAccount();
      const prefixes = ['b/x', 'ROOT', 'a', 'a/b', 'a-b', 'z'];
      for (const prefix of prefixes) await store.creationTemplates.create(template(account, prefix));
      await store.creationTemplates.create(template(freshAccount(), 'a/c'));
      const sorted = [...prefixes].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const seen: string[] = [];
      let last: string | undefined;
      for (;;) {
        const page = await store.creationTemplates.list(account, { ...(last !== undefined && { last }), limit: 4 });
        seen.push(...page.map((t) => t.prefix));
        if (page.length < 4) break;
        last = page[page.length - 1]!.prefix;
      }
      assert.deepEqual(seen, sorted);
      assert.deepEqual(
        (await store.creationTemplates.list(account, { prefixes: ['z', 'ROOT', 'a/c', 'missing'], limit: 10 })).map(
          (t) => t.prefix,
        ),
        ['ROOT', 'z'],
      );
      assert.deepEqual(await store.creationTemplates.list(account, { prefixes: [], limit: 10 }), []);
      assert.equal(await store.creationTemplates.count(account), prefixes.length);
    });
  });
}
