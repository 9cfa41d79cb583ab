// The shared metadata suite's part for blobs (BlobIndex): links per repository, exact sizes,
// unlinks, and the repositories a blob is linked into.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { byteOrder, freshDigest, freshRepository } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

export function runBlobIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('blobs', () => {
    it('links a blob into a repository and reports its size there', async () => {
      const repository = await freshRepository(store);
      const other = await freshRepository(store);
      const digest = freshDigest();
      assert.equal(await store.blobs.size(digest), undefined);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), undefined);
      await store.blobs.link(repository.id, digest, 4096);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), 4096);
      assert.equal(await store.blobs.size(digest), 4096);
      assert.equal(await store.blobs.linkedSize(other.id, digest), undefined, 'a link is per repository');
      // Linking again is a no-op.
      await store.blobs.link(repository.id, digest, 4096);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), 4096);
    });

    it('keeps sizes beyond 32 bits exact', async () => {
      const repository = await freshRepository(store);
      const digest = freshDigest();
      const size = 50 * 1024 ** 3 + 7;
      await store.blobs.link(repository.id, digest, size);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), size);
      assert.equal(await store.blobs.size(digest), size);
      assert.equal(typeof (await store.blobs.size(digest)), 'number');
    });

    it('unlinks from one repository; the blob stays known', async () => {
      const repository = await freshRepository(store);
      const other = await freshRepository(store);
      const digest = freshDigest();
      await store.blobs.link(repository.id, digest, 7);
      await store.blobs.link(other.id, digest, 7);
      assert.equal(await store.blobs.unlink(repository.id, digest), true);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), undefined);
      assert.equal(await store.blobs.linkedSize(other.id, digest), 7);
      assert.equal(await store.blobs.size(digest), 7);
      assert.equal(await store.blobs.unlink(repository.id, digest), false);
      assert.equal(await store.blobs.unlink(repository.id, freshDigest()), false);
      // Linking again after an unlink works.
      await store.blobs.link(repository.id, digest, 7);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), 7);
    });

    it('names the repositories a blob is linked into, up to a limit', async () => {
      const digest = freshDigest();
      assert.deepEqual(await store.blobs.repositoriesWith(digest, 10), []);
      const repositories = [
        await freshRepository(store, 'one'),
        await freshRepository(store, 'two'),
        await freshRepository(store, 'three'),
      ];
      for (const r of repositories) await store.blobs.link(r.id, digest, 3);
      await store.blobs.link((await freshRepository(store, 'unrelated')).id, freshDigest(), 3);
      const found = await store.blobs.repositoriesWith(digest, 10);
      assert.deepEqual(
        [...found].sort((a, b) => byteOrder(a.id, b.id)),
        [...repositories].sort((a, b) => byteOrder(a.id, b.id)),
        'whole repositories (id, account, name, createdAt)',
      );
      assert.equal((await store.blobs.repositoriesWith(digest, 2)).length, 2);
      await store.blobs.unlink(repositories[0]!.id, digest);
      assert.equal((await store.blobs.repositoriesWith(digest, 10)).length, 2);
    });
  });
}
