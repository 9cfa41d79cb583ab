// The shared metadata suite's part for repositories (RepositoryIndex): creation under concurrency,
// accounts kept apart, listings in byte order, and deletes that cascade.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { byteOrder, freshAccount, freshDigest, freshRepository, manifest, paged } from './store-suite-fixtures.js';
import type { MetadataStore, Page } from './store.js';

export function runRepositoryIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('repositories', () => {
    it('ensure creates once and then returns the same repository', async () => {
      const account = freshAccount();
      assert.equal(await store.repositories.get(account, 'team/app'), undefined);
      const started = Date.now();
      const created = await store.repositories.ensure(account, 'team/app');
      assert.equal(created.accountId, account);
      assert.equal(created.name, 'team/app');
      assert.equal(typeof created.id, 'string');
      assert.equal(typeof created.createdAt, 'number');
      assert.ok(created.createdAt >= started - 1000 && created.createdAt <= Date.now() + 1000);
      assert.deepEqual(await store.repositories.ensure(account, 'team/app'), created);
      assert.deepEqual(await store.repositories.get(account, 'team/app'), created);
    });

    it('describeByCreation pages by creation time, newest or oldest first, in keyset pages', async () => {
      const account = freshAccount();
      const made = [];
      for (const name of ['m', 'a', 'z']) {
        made.push(await store.repositories.ensure(account, name));
        await new Promise((r) => setTimeout(r, 5));
      }
      await store.repositories.ensure(freshAccount(), 'elsewhere');
      const names = (rows: { name: string }[]) => rows.map((r) => r.name);
      const first = await store.repositories.describeByCreation(account, { limit: 2 });
      assert.deepEqual(names(first), ['z', 'a']);
      const last = first[first.length - 1]!;
      assert.deepEqual(names(await store.repositories.describeByCreation(account, { limit: 2, after: last })), ['m']);
      assert.deepEqual(names(await store.repositories.describeByCreation(account, { limit: 5, oldestFirst: true })), [
        'm',
        'a',
        'z',
      ]);
      assert.deepEqual(
        names(
          await store.repositories.describeByCreation(account, {
            limit: 5,
            oldestFirst: true,
            after: { createdAt: made[0]!.createdAt, name: 'm' },
          }),
        ),
        ['a', 'z'],
      );
    });

    it('ensure is safe under concurrency: 20 creators agree on one row', async () => {
      const account = freshAccount();
      const all = await Promise.all(Array.from({ length: 20 }, () => store.repositories.ensure(account, 'raced/name')));
      assert.equal(new Set(all.map((r) => r.id)).size, 1);
      assert.deepEqual(await store.repositories.list(account, { limit: 100 }), ['raced/name']);
      // Different names at once all succeed.
      const names = Array.from({ length: 10 }, (_, i) => `many/n${i}`);
      const created = await Promise.all(names.map((n) => store.repositories.ensure(account, n)));
      assert.equal(new Set(created.map((r) => r.id)).size, 10);
      assert.deepEqual(await store.repositories.list(account, { limit: 100 }), [
        'many/n0',
        'many/n1',
        'many/n2',
        'many/n3',
        'many/n4',
        'many/n5',
        'many/n6',
        'many/n7',
        'many/n8',
        'many/n9',
        'raced/name',
      ]);
    });

    it('keeps accounts apart', async () => {
      const a = freshAccount();
      const b = freshAccount();
      const inA = await store.repositories.ensure(a, 'same/name');
      const inB = await store.repositories.ensure(b, 'same/name');
      assert.notEqual(inA.id, inB.id);
      assert.deepEqual(await store.repositories.list(a, { limit: 10 }), ['same/name']);
      assert.deepEqual(await store.repositories.list(freshAccount(), { limit: 10 }), []);
      assert.equal(await store.repositories.delete(inA.id), true);
      assert.deepEqual(await store.repositories.get(b, 'same/name'), inB);
    });

    it('lists in byte order, page by page after `last`', async () => {
      const account = freshAccount();
      // Byte order puts "-" < "." < "/" < digits < uppercase < "_" < lowercase; a locale
      // collation would not (it ignores case and punctuation).
      const names = ['ab', 'a_b', 'a/b', 'a.b', 'a-b', 'a0', 'b', 'B', 'A', 'a/b/c', 'a', 'zz', 'a__b', 'a--b', '0a'];
      for (const n of names) await store.repositories.ensure(account, n);
      const sorted = [...names].sort(byteOrder);
      const list = (page: Page) => store.repositories.list(account, page);
      assert.deepEqual(await list({ limit: 100 }), sorted);
      const pages = await paged(list, 4);
      assert.deepEqual(pages.flat(), sorted);
      assert.deepEqual(
        pages.map((p) => p.length),
        [4, 4, 4, 3],
      );
      assert.deepEqual(await list({ limit: 2 }), sorted.slice(0, 2));
      // `last` need not be a name that exists.
      assert.deepEqual(await list({ last: 'a.', limit: 3 }), ['a.b', 'a/b', 'a/b/c']);
      assert.deepEqual(await list({ last: 'zz', limit: 3 }), []);
      assert.deepEqual(await list({ last: 'B', limit: 100 }), sorted.slice(sorted.indexOf('B') + 1));
    });

    it('delete removes a repository once', async () => {
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'to/delete');
      assert.equal(await store.repositories.delete(repository.id), true);
      assert.equal(await store.repositories.get(account, 'to/delete'), undefined);
      assert.equal(await store.repositories.delete(repository.id), false);
      assert.deepEqual(await store.repositories.list(account, { limit: 10 }), []);
      const again = await store.repositories.ensure(account, 'to/delete');
      assert.notEqual(again.id, repository.id, 'a re-created repository is a new one');
    });

    it('deleting a repository cascades to its links, manifests, tags and uploads', async () => {
      const repository = await freshRepository(store);
      const other = await freshRepository(store);
      const blob = freshDigest();
      await store.blobs.link(repository.id, blob, 10);
      await store.blobs.link(other.id, blob, 10);
      const subject = manifest(repository.id, { createdAt: 1 });
      await store.manifests.put(subject, [blob], ['latest']);
      const referrer = manifest(repository.id, { subjectDigest: subject.digest, artifactType: 'application/x-sig' });
      await store.manifests.put(referrer, [], []);
      const upload = { id: randomUUID(), repositoryId: repository.id, createdAt: Date.now(), updatedAt: Date.now() };
      await store.uploads.create(upload);

      assert.equal(await store.repositories.delete(repository.id), true);
      assert.equal(await store.blobs.linkedSize(repository.id, blob), undefined);
      assert.deepEqual(
        (await store.blobs.repositoriesWith(blob, 10)).map((r) => r.id),
        [other.id],
      );
      assert.equal(await store.blobs.size(blob), 10, 'the blob stays known to the registry');
      assert.equal(await store.manifests.get(repository.id, subject.digest), undefined);
      assert.deepEqual(await store.manifests.existing(repository.id, [subject.digest, referrer.digest]), new Set());
      assert.deepEqual(await store.manifests.referrers(repository.id, subject.digest), []);
      assert.equal(await store.tags.resolve(repository.id, 'latest'), undefined);
      assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), []);
      assert.equal(await store.uploads.get(upload.id), undefined);
      assert.equal(await store.blobs.linkedSize(other.id, blob), 10, 'other repositories keep their links');
    });

    it('refuses rows for a repository that does not exist', async () => {
      const missing = randomUUID();
      const digest = freshDigest();
      await assert.rejects(store.blobs.link(missing, digest, 5));
      assert.equal(await store.blobs.size(digest), undefined, 'link is one step: no blob row without its link');
      await assert.rejects(store.manifests.put(manifest(missing), [], ['t']));
      await assert.rejects(
        store.uploads.create({ id: randomUUID(), repositoryId: missing, createdAt: 1, updatedAt: 1 }),
      );
    });
  });
}
