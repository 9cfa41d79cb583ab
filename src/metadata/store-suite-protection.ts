// The shared metadata suite's part for deletion protection (ProtectionIndex) and the trash
// (TrashIndex): protections by repository and registry, a manifest moved to the trash with its
// references and tags and restored exactly, tags taken meanwhile left alone, the purge keeping
// what a remaining entry references, and the digests the trash keeps alive.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { freshAccount, freshDigest, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

const DAY = 24 * 60 * 60 * 1000;

export function runProtectionAndTrashSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('deletion protections', () => {
    it('adds once, lists by repository and by registry in byte order, and removes', async () => {
      const account = freshAccount();
      const web = await store.repositories.ensure(account, 'team/web');
      const api = await store.repositories.ensure(account, 'team/api');
      const other = await store.repositories.ensure(freshAccount(), 'team/web');
      assert.equal(await store.protections.add(web.id, 'prod-*', 1000, 'ops'), true);
      assert.equal(await store.protections.add(web.id, 'prod-*', 2000, null), false, 'added once');
      assert.equal(await store.protections.add(web.id, null, 3000, null), true);
      assert.equal(await store.protections.add(api.id, 'Z*', 4000, null), true);
      assert.equal(await store.protections.add(other.id, null, 5000, null), true);
      assert.deepEqual(await store.protections.forRepository(web.id), [
        { repositoryId: web.id, repositoryName: 'team/web', tagPattern: null, createdAt: 3000, createdBy: null },
        { repositoryId: web.id, repositoryName: 'team/web', tagPattern: 'prod-*', createdAt: 1000, createdBy: 'ops' },
      ]);
      assert.deepEqual(
        (await store.protections.list(account)).map((p) => [p.repositoryName, p.tagPattern]),
        [
          ['team/api', 'Z*'],
          ['team/web', null],
          ['team/web', 'prod-*'],
        ],
      );
      assert.equal(await store.protections.remove(web.id, null), true);
      assert.equal(await store.protections.remove(web.id, null), false);
      assert.deepEqual(
        (await store.protections.forRepository(web.id)).map((p) => p.tagPattern),
        ['prod-*'],
      );
      assert.equal(await store.repositories.delete(web.id, { ifEmpty: false }), true);
      assert.deepEqual(
        (await store.protections.list(account)).map((p) => p.repositoryName),
        ['team/api'],
        "a deleted repository's protections go with it",
      );
    });
  });

  describe('the trash', () => {
    it('keeps a discarded manifest with its references and tags, and restores it exactly', async () => {
      const repository = await store.repositories.ensure(freshAccount(), 'team/app');
      const [config, layer] = [freshDigest(), freshDigest()];
      const record = manifest(repository.id, { annotations: { a: 'b' }, contentDigest: freshDigest() });
      await store.manifests.put(record, [config, layer], ['v1', 'latest']);
      assert.equal(await store.trash.discard(repository.id, record.digest, 'arn:aws:iam::1:root', 5000), true);
      assert.equal(await store.manifests.get(repository.id, record.digest), undefined);
      assert.equal(await store.tags.resolve(repository.id, 'v1'), undefined);
      assert.equal(await store.trash.discard(repository.id, record.digest, 'x', 6000), false, 'gone already');
      const entry = await store.trash.get(repository.id, record.digest);
      assert.deepEqual(entry, {
        manifest: record,
        repositoryName: 'team/app',
        lastPulledAt: null,
        tags: ['latest', 'v1'],
        references: [config, layer].sort(),
        deletedBy: 'arn:aws:iam::1:root',
        deletedAt: 5000,
      });
      assert.deepEqual(
        (await store.trash.list(repository.accountId)).map((e) => e.manifest.digest),
        [record.digest],
      );
      assert.deepEqual(await store.trash.list(repository.accountId, repository.id), [entry]);

      // `latest` is pushed to another manifest meanwhile: the restore leaves it there.
      const other = manifest(repository.id);
      await store.manifests.put(other, [], ['latest']);
      assert.deepEqual(await store.trash.restore(repository.id, record.digest), {
        restored: true,
        tags: ['v1'],
        taken: [{ tag: 'latest', digest: other.digest }],
      });
      assert.deepEqual(await store.manifests.get(repository.id, record.digest), record);
      assert.equal((await store.tags.resolve(repository.id, 'v1'))?.digest, record.digest);
      assert.equal((await store.tags.resolve(repository.id, 'latest'))?.digest, other.digest);
      assert.deepEqual(await store.images.parents(repository.id, config), [record.digest]);
      assert.equal(await store.images.referencesBlob(repository.id, layer), true, 'references are back');
      assert.equal(await store.trash.get(repository.id, record.digest), undefined, 'out of the trash');
      assert.deepEqual(await store.trash.restore(repository.id, record.digest), { restored: false });
    });

    it('purges entries past the window, but not those a remaining entry references', async () => {
      const repository = await store.repositories.ensure(freshAccount(), 'team/app');
      const child = manifest(repository.id);
      const grandchild = manifest(repository.id);
      const lone = manifest(repository.id);
      const layer = freshDigest();
      await store.manifests.put(grandchild, [layer], []);
      await store.manifests.put(child, [grandchild.digest], []);
      const index = manifest(repository.id, { mediaType: 'application/vnd.oci.image.index.v1+json' });
      await store.manifests.put(index, [child.digest], ['multi']);
      await store.manifests.put(lone, [freshDigest()], ['lone']);
      const now = Date.now();
      // The children were deleted long ago, the index only now.
      await store.trash.discard(repository.id, grandchild.digest, 'a', now - 30 * DAY);
      await store.trash.discard(repository.id, child.digest, 'a', now - 30 * DAY);
      await store.trash.discard(repository.id, lone.digest, 'a', now - 30 * DAY);
      await store.trash.discard(repository.id, index.digest, 'a', now);

      const kept = new Set<string>();
      for await (const digest of store.trash.keptDigests()) kept.add(digest);
      for (const digest of [index.digest, child.digest, grandchild.digest, lone.digest, layer])
        assert.ok(kept.has(digest), `${digest} is kept alive`);

      assert.equal(await store.trash.purge(now - 7 * DAY), 1, 'only the lone old entry goes');
      assert.deepEqual(
        (await store.trash.list(repository.accountId, repository.id)).map((e) => e.manifest.digest).sort(),
        [index.digest, child.digest, grandchild.digest].sort(),
      );
      assert.equal(await store.trash.purge(now + 1), 3, 'the index, then its children, then theirs');
      assert.deepEqual(await store.trash.list(repository.accountId, repository.id), []);
    });
  });
}
