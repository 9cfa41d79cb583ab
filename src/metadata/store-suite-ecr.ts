// The metadata suite's part for what the ECR API keeps: repository settings, tag immutability,
// resource tags and account settings. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount, freshDigest, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';
import type { RepositorySettings } from '../domain/records/repositories.js';

const IMMUTABLE: RepositorySettings = {
  imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
  imageTagMutabilityExclusionFilters: [
    { filterType: 'WILDCARD', filter: 'dev-*' },
    { filterType: 'WILDCARD', filter: 'latest' },
  ],
  scanOnPush: true,
  encryptionType: 'KMS',
  kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/4f2a',
};

const tagsOf = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

export function describeEcrMetadata(subject: () => MetadataStore): void {
  const arnOf = (accountId: string, name: string) => `arn:aws:ecr:us-east-1:${accountId}:repository/${name}`;

  describe('repository settings', () => {
    it('a repository made on push has the defaults', async () => {
      const repository = await subject().repositories.ensure(freshAccount(), 'pushed/app');
      assert.equal(repository.imageTagMutability, 'MUTABLE');
      assert.deepEqual(repository.imageTagMutabilityExclusionFilters, []);
      assert.equal(repository.scanOnPush, false);
      assert.equal(repository.encryptionType, 'AES256');
      assert.equal(repository.kmsKey, null);
    });

    it('create stores settings and tags once; a taken name changes nothing', async () => {
      const store = subject();
      const account = freshAccount();
      const arn = arnOf(account, 'made/app');
      const created = await store.repositories.create(account, 'made/app', IMMUTABLE, {
        resourceArn: arn,
        tags: tagsOf(2),
      });
      assert.ok(created);
      assert.deepEqual(
        { ...created, id: '', createdAt: 0 },
        { ...IMMUTABLE, id: '', createdAt: 0, accountId: account, name: 'made/app' },
      );
      assert.deepEqual(await store.repositories.get(account, 'made/app'), created);
      assert.deepEqual(await store.resourceTags.list(arn), tagsOf(2));
      const again = await store.repositories.create(
        account,
        'made/app',
        { ...IMMUTABLE, imageTagMutability: 'MUTABLE', imageTagMutabilityExclusionFilters: [] },
        { resourceArn: arn, tags: [] },
      );
      assert.equal(again, undefined);
      assert.deepEqual(await store.repositories.get(account, 'made/app'), created);
      assert.deepEqual(await store.resourceTags.list(arn), tagsOf(2));
    });

    it('create replaces tags left under the ARN by an earlier repository', async () => {
      const store = subject();
      const account = freshAccount();
      const arn = arnOf(account, 'stale/app');
      await store.resourceTags.put(arn, tagsOf(3, 'old'), 50);
      await store.repositories.create(account, 'stale/app', IMMUTABLE, { resourceArn: arn, tags: tagsOf(1) });
      assert.deepEqual(await store.resourceTags.list(arn), tagsOf(1));
    });

    it('create is safe under concurrency: one of 10 creators wins', async () => {
      const store = subject();
      const account = freshAccount();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.repositories.create(account, 'raced/app', IMMUTABLE)),
      );
      assert.equal(results.filter((r) => r !== undefined).length, 1);
      assert.deepEqual(await store.repositories.list(account, { limit: 10 }), ['raced/app']);
    });

    it('describe pages whole repositories in byte order', async () => {
      const store = subject();
      const account = freshAccount();
      for (const name of ['b', 'a/b', 'a-b', 'ab']) await store.repositories.create(account, name, IMMUTABLE);
      const first = await store.repositories.describe(account, { limit: 3 });
      assert.deepEqual(
        first.map((r) => r.name),
        ['a-b', 'a/b', 'ab'],
      );
      assert.deepEqual(first[1], await store.repositories.get(account, 'a/b'));
      assert.deepEqual(
        (await store.repositories.describe(account, { last: 'ab', limit: 3 })).map((r) => r.name),
        ['b'],
      );
      assert.deepEqual(await store.repositories.describe(freshAccount(), { limit: 3 }), []);
    });

    it('sets the tag mutability and its filters', async () => {
      const store = subject();
      const repository = await store.repositories.ensure(freshAccount(), 'mutable/app');
      const filters = [{ filterType: 'WILDCARD' as const, filter: 'v*' }];
      const changed = await store.repositories.setTagMutability(repository.id, {
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: filters,
      });
      assert.deepEqual(changed, {
        ...repository,
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: filters,
      });
      assert.deepEqual(await store.repositories.get(repository.accountId, 'mutable/app'), changed);
      const back = await store.repositories.setTagMutability(repository.id, {
        imageTagMutability: 'MUTABLE',
        imageTagMutabilityExclusionFilters: [],
      });
      assert.deepEqual(back, repository);
      assert.equal(
        await store.repositories.setTagMutability(randomUUID(), {
          imageTagMutability: 'IMMUTABLE',
          imageTagMutabilityExclusionFilters: [],
        }),
        undefined,
      );
    });

    it('delete ifEmpty refuses a repository with a manifest and keeps it whole', async () => {
      const store = subject();
      const account = freshAccount();
      const arn = arnOf(account, 'full/app');
      const repository = (await store.repositories.create(account, 'full/app', IMMUTABLE, {
        resourceArn: arn,
        tags: tagsOf(1),
      }))!;
      const record = manifest(repository.id);
      await store.manifests.put(record, [], ['v1']);
      assert.equal(await store.repositories.delete(repository.id, { ifEmpty: true, resourceArn: arn }), false);
      assert.deepEqual(await store.repositories.get(account, 'full/app'), repository);
      assert.deepEqual(await store.tags.resolve(repository.id, 'v1'), record);
      assert.deepEqual(await store.resourceTags.list(arn), tagsOf(1));
      assert.equal(await store.repositories.delete(repository.id, { resourceArn: arn }), true);
      assert.equal(await store.repositories.get(account, 'full/app'), undefined);
      assert.equal(await store.manifests.get(repository.id, record.digest), undefined);
      assert.deepEqual(await store.resourceTags.list(arn), [], 'its resource tags go with it');
      assert.equal(await store.repositories.delete(repository.id, { ifEmpty: true }), false);
    });

    it('delete ifEmpty takes a repository holding only blob links and uploads', async () => {
      const store = subject();
      const repository = await store.repositories.ensure(freshAccount(), 'layers/only');
      await store.blobs.link(repository.id, freshDigest(), 5);
      await store.uploads.create({ id: randomUUID(), repositoryId: repository.id, createdAt: 1, updatedAt: 1 });
      assert.equal(await store.repositories.delete(repository.id, { ifEmpty: true }), true);
      assert.equal(await store.repositories.get(repository.accountId, 'layers/only'), undefined);
    });
  });

  describe('immutable tags', () => {
    it('never moves an immutable tag; nothing of a refused put is stored', async () => {
      const store = subject();
      const repository = await store.repositories.ensure(freshAccount(), 'immutable/app');
      const a = manifest(repository.id);
      const b = manifest(repository.id);
      assert.deepEqual(await store.manifests.put(a, [], ['v1', 'latest'], ['v1']), { stored: true });
      assert.deepEqual(
        await store.manifests.put(a, [], ['v1'], ['v1']),
        { stored: true },
        'the same manifest again is fine',
      );
      assert.deepEqual(await store.manifests.put(b, [freshDigest()], ['latest', 'v1'], ['v1']), {
        stored: false,
        immutableTag: 'v1',
      });
      assert.equal(await store.manifests.get(repository.id, b.digest), undefined);
      assert.deepEqual(
        await store.tags.resolve(repository.id, 'latest'),
        a,
        'a mutable tag of a refused put does not move either',
      );
      assert.deepEqual(await store.tags.resolve(repository.id, 'v1'), a);
      assert.deepEqual(await store.manifests.put(b, [], ['latest', 'v2'], ['v2']), { stored: true });
      assert.deepEqual(await store.tags.resolve(repository.id, 'latest'), b);
    });

    it('one of 10 concurrent pushes of different manifests to a new immutable tag wins', async () => {
      const store = subject();
      const repository = await store.repositories.ensure(freshAccount(), 'immutable/raced');
      const records = Array.from({ length: 10 }, () => manifest(repository.id));
      const outcomes = await Promise.all(records.map((r) => store.manifests.put(r, [], ['v1'], ['v1'])));
      const winners = records.filter((_, i) => outcomes[i]!.stored);
      assert.equal(winners.length, 1);
      assert.deepEqual(await store.tags.resolve(repository.id, 'v1'), winners[0]);
      assert.deepEqual(
        await store.manifests.existing(
          repository.id,
          records.map((r) => r.digest),
        ),
        new Set([winners[0]!.digest]),
      );
    });
  });

  describe('resource tags', () => {
    it('adds, replaces values, lists by key in byte order and removes', async () => {
      const store = subject();
      const arn = arnOf(freshAccount(), 'tagged/app');
      assert.deepEqual(await store.resourceTags.list(arn), []);
      assert.equal(
        await store.resourceTags.put(
          arn,
          [
            { key: 'team', value: 'a' },
            { key: 'Env', value: 'prod' },
            { key: 'ünï', value: 'ç' },
          ],
          50,
        ),
        true,
      );
      assert.equal(
        await store.resourceTags.put(
          arn,
          [
            { key: 'team', value: 'b' },
            { key: 'cost', value: '' },
          ],
          50,
        ),
        true,
      );
      assert.deepEqual(await store.resourceTags.list(arn), [
        { key: 'Env', value: 'prod' },
        { key: 'cost', value: '' },
        { key: 'team', value: 'b' },
        { key: 'ünï', value: 'ç' },
      ]);
      await store.resourceTags.remove(arn, ['team', 'missing']);
      await store.resourceTags.remove(arn, []);
      assert.deepEqual(
        (await store.resourceTags.list(arn)).map((t) => t.key),
        ['Env', 'cost', 'ünï'],
      );
      assert.deepEqual(await store.resourceTags.list(arnOf(freshAccount(), 'tagged/app')), [], 'tags are per resource');
    });

    it('refuses a put that passes the limit, changing nothing', async () => {
      const store = subject();
      const arn = arnOf(freshAccount(), 'limited/app');
      assert.equal(await store.resourceTags.put(arn, tagsOf(50), 50), true);
      assert.equal(
        await store.resourceTags.put(
          arn,
          [
            { key: 'k0', value: 'new' },
            { key: 'extra', value: 'x' },
          ],
          50,
        ),
        false,
      );
      const byKey = tagsOf(50).sort((x, y) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)));
      assert.deepEqual(await store.resourceTags.list(arn), byKey, 'nothing of the refused put is kept');
      assert.equal(
        await store.resourceTags.put(arn, [{ key: 'k0', value: 'new' }], 50),
        true,
        'replacing a value adds no tag',
      );
    });

    it('concurrent puts cannot pass the limit together', async () => {
      const store = subject();
      const arn = arnOf(freshAccount(), 'raced/tags');
      const results = await Promise.all([
        store.resourceTags.put(arn, tagsOf(30, 'a'), 50),
        store.resourceTags.put(arn, tagsOf(30, 'b'), 50),
      ]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      assert.equal((await store.resourceTags.list(arn)).length, 30);
    });
  });

  describe('account settings', () => {
    it('gets what was put last, per account', async () => {
      const store = subject();
      const account = freshAccount();
      assert.equal(await store.accountSettings.get(account, 'BLOB_MOUNTING'), undefined);
      await store.accountSettings.put(account, 'BLOB_MOUNTING', 'DISABLED');
      await store.accountSettings.put(account, 'BLOB_MOUNTING', 'ENABLED');
      await store.accountSettings.put(account, 'REGISTRY_POLICY_SCOPE', 'V2');
      assert.equal(await store.accountSettings.get(account, 'BLOB_MOUNTING'), 'ENABLED');
      assert.equal(await store.accountSettings.get(account, 'REGISTRY_POLICY_SCOPE'), 'V2');
      assert.equal(await store.accountSettings.get(freshAccount(), 'BLOB_MOUNTING'), undefined);
    });
  });
}
