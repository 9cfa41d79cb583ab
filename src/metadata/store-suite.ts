// The one test suite of the metadata port (store.ts): every backend (sqlite, postgres) runs it.
// Backend-neutral: it talks to the port only, and each test works in its own account.
import assert from 'node:assert/strict';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ManifestRecord, MetadataStore, Page, Repository } from './store.js';
import { runConversionIndexSuite } from './store-suite-conversions.js';
import { runImageIndexSuite } from './store-suite-images.js';
import { describeEcrMetadata } from './store-suite-ecr.js';
import { describeKeyMetadata } from './store-suite-keys.js';
import { describePolicyMetadata } from './store-suite-policies.js';
import { describePublicMetadata } from './store-suite-public.js';
import { describeRoleMetadata } from './store-suite-roles.js';

export interface StoreUnderTest {
  store: MetadataStore;
  teardown(): Promise<void>;
}

/** Byte order ("ASCIIbetical"), the order every listing must use. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function freshAccount(): string {
  return String(randomInt(1e11, 1e12 - 1));
}

export function freshDigest(): string {
  return `sha256:${createHash('sha256').update(randomUUID()).digest('hex')}`;
}

export function manifest(repositoryId: string, overrides: Partial<ManifestRecord> = {}): ManifestRecord {
  return {
    repositoryId,
    digest: freshDigest(),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1234,
    artifactType: null,
    subjectDigest: null,
    annotations: null,
    createdAt: Date.now(),
    ...overrides,
  };
}

/** Every name, page by page of `limit`, following `last` as a client would. */
async function paged(list: (page: Page) => Promise<string[]>, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let last: string | undefined;
  for (;;) {
    const page = await list(last === undefined ? { limit } : { last, limit });
    assert.ok(page.length <= limit, 'a page holds at most limit names');
    if (page.length === 0) return pages;
    pages.push(page);
    last = page[page.length - 1];
    assert.ok(pages.length < 100, 'pagination ends');
  }
}

export function runMetadataSuite(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`metadata store suite: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: MetadataStore;

    before(async () => {
      subject = await factory();
      store = subject.store;
    });

    after(async () => {
      await subject?.teardown();
    });

    /** A new repository in a new account. */
    async function freshRepository(repoName = 'team/app'): Promise<Repository> {
      return store.repositories.ensure(freshAccount(), repoName);
    }

    it('answers ping', async () => {
      assert.equal(await store.ping(), true);
      assert.equal(typeof store.backend, 'string');
      assert.ok(store.backend.length > 0);
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

      it('ensure is safe under concurrency: 20 creators agree on one row', async () => {
        const account = freshAccount();
        const all = await Promise.all(Array.from({ length: 20 }, () => store.repositories.ensure(account, 'raced/name')));
        assert.equal(new Set(all.map((r) => r.id)).size, 1);
        assert.deepEqual(await store.repositories.list(account, { limit: 100 }), ['raced/name']);
        // Different names at once all succeed.
        const names = Array.from({ length: 10 }, (_, i) => `many/n${i}`);
        const created = await Promise.all(names.map((n) => store.repositories.ensure(account, n)));
        assert.equal(new Set(created.map((r) => r.id)).size, 10);
        assert.deepEqual(await store.repositories.list(account, { limit: 100 }), ['many/n0', 'many/n1', 'many/n2', 'many/n3', 'many/n4', 'many/n5', 'many/n6', 'many/n7', 'many/n8', 'many/n9', 'raced/name']);
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
        assert.deepEqual(pages.map((p) => p.length), [4, 4, 4, 3]);
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
        const repository = await freshRepository();
        const other = await freshRepository();
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
        assert.deepEqual((await store.blobs.repositoriesWith(blob, 10)).map((r) => r.id), [other.id]);
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
        await assert.rejects(store.uploads.create({ id: randomUUID(), repositoryId: missing, createdAt: 1, updatedAt: 1 }));
      });
    });

    describe('blobs', () => {
      it('links a blob into a repository and reports its size there', async () => {
        const repository = await freshRepository();
        const other = await freshRepository();
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
        const repository = await freshRepository();
        const digest = freshDigest();
        const size = 50 * 1024 ** 3 + 7;
        await store.blobs.link(repository.id, digest, size);
        assert.equal(await store.blobs.linkedSize(repository.id, digest), size);
        assert.equal(await store.blobs.size(digest), size);
        assert.equal(typeof (await store.blobs.size(digest)), 'number');
      });

      it('unlinks from one repository; the blob stays known', async () => {
        const repository = await freshRepository();
        const other = await freshRepository();
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
        const repositories = [await freshRepository('one'), await freshRepository('two'), await freshRepository('three')];
        for (const r of repositories) await store.blobs.link(r.id, digest, 3);
        await store.blobs.link((await freshRepository('unrelated')).id, freshDigest(), 3);
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

    describe('manifests', () => {
      it('puts a manifest and gets the same record back', async () => {
        const repository = await freshRepository();
        const record = manifest(repository.id, {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          size: 40_000_000,
          artifactType: 'application/vnd.example+type',
          subjectDigest: freshDigest(),
          annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'com.example.üñí': 'välue "quoted"' },
          createdAt: 1_767_225_600_123,
        });
        assert.equal(await store.manifests.get(repository.id, record.digest), undefined);
        await store.manifests.put(record, [freshDigest(), freshDigest()], []);
        assert.deepEqual(await store.manifests.get(repository.id, record.digest), record);
        const plain = manifest(repository.id);
        await store.manifests.put(plain, [], []);
        assert.deepEqual(await store.manifests.get(repository.id, plain.digest), plain);
        assert.equal(await store.manifests.get((await freshRepository()).id, record.digest), undefined, 'a manifest is per repository');
      });

      it('accepts repeated references and repeated puts', async () => {
        const repository = await freshRepository();
        const child = freshDigest();
        const record = manifest(repository.id);
        await store.manifests.put(record, [child, child, freshDigest()], ['a', 'a']);
        await store.manifests.put(record, [child], ['a']);
        assert.deepEqual(await store.manifests.get(repository.id, record.digest), record);
        assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), ['a']);
      });

      it('puts the manifest and its tags in one transaction', async () => {
        const repository = await freshRepository();
        const record = manifest(repository.id);
        // A tag with no name fails (NOT NULL) after the manifest row and the first tag are
        // written; all of it must roll back.
        await assert.rejects(store.manifests.put(record, [freshDigest()], ['first', undefined as unknown as string]));
        assert.equal(await store.manifests.get(repository.id, record.digest), undefined);
        assert.equal(await store.tags.resolve(repository.id, 'first'), undefined);
        assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), []);
        // And nothing is left that blocks a good put.
        await store.manifests.put(record, [], ['first']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'first'), record);
      });

      it('moves a tag to the manifest put last', async () => {
        const repository = await freshRepository();
        const a = manifest(repository.id);
        const b = manifest(repository.id);
        await store.manifests.put(a, [], ['latest', 'v1']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'latest'), a);
        await store.manifests.put(b, [], ['latest']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'latest'), b);
        assert.deepEqual(await store.tags.resolve(repository.id, 'v1'), a);
        // Re-putting an existing manifest moves the tag back.
        await store.manifests.put(a, [], ['latest']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'latest'), a);
        assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), ['latest', 'v1']);
        assert.deepEqual(await store.manifests.existing(repository.id, [a.digest, b.digest]), new Set([a.digest, b.digest]), 'untagged manifests stay');
      });

      it('says which digests are manifests in the repository', async () => {
        const repository = await freshRepository();
        const other = await freshRepository();
        const a = manifest(repository.id);
        const b = manifest(repository.id);
        const elsewhere = manifest(other.id);
        for (const m of [a, b, elsewhere]) await store.manifests.put(m, [], []);
        const blob = freshDigest();
        await store.blobs.link(repository.id, blob, 1);
        assert.deepEqual(await store.manifests.existing(repository.id, [a.digest, b.digest, elsewhere.digest, blob, freshDigest()]), new Set([a.digest, b.digest]));
        assert.deepEqual(await store.manifests.existing(repository.id, []), new Set());
        assert.deepEqual(await store.manifests.existing(repository.id, [a.digest, a.digest]), new Set([a.digest]));
      });

      it('deletes a manifest with every tag pointing at it, and only those', async () => {
        const repository = await freshRepository();
        const a = manifest(repository.id);
        const b = manifest(repository.id);
        await store.manifests.put(a, [freshDigest()], ['one', 'two']);
        await store.manifests.put(b, [], ['three']);
        assert.equal(await store.manifests.delete(repository.id, a.digest), true);
        assert.equal(await store.manifests.get(repository.id, a.digest), undefined);
        assert.equal(await store.tags.resolve(repository.id, 'one'), undefined);
        assert.equal(await store.tags.resolve(repository.id, 'two'), undefined);
        assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), ['three']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'three'), b);
        assert.equal(await store.manifests.delete(repository.id, a.digest), false);
        assert.equal(await store.manifests.delete(repository.id, freshDigest()), false);
        // The same digest can be pushed again (its references went with it).
        await store.manifests.put(a, [freshDigest()], ['one']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'one'), a);
      });

      it('finds referrers of a subject, optionally of one artifact type', async () => {
        const repository = await freshRepository();
        const other = await freshRepository();
        const subject = manifest(repository.id);
        await store.manifests.put(subject, [], ['v1']);
        const signature = manifest(repository.id, { subjectDigest: subject.digest, artifactType: 'application/vnd.dev.cosign.signature', annotations: { k: 'v' }, createdAt: 100 });
        const sbom = manifest(repository.id, { subjectDigest: subject.digest, artifactType: 'application/spdx+json', createdAt: 200 });
        const untyped = manifest(repository.id, { subjectDigest: subject.digest, createdAt: 300 });
        const unrelated = manifest(repository.id, { subjectDigest: freshDigest(), artifactType: 'application/spdx+json' });
        const elsewhere = manifest(other.id, { subjectDigest: subject.digest, artifactType: 'application/spdx+json' });
        for (const m of [signature, sbom, untyped, unrelated, elsewhere]) await store.manifests.put(m, [], []);
        const sortedDigests = (records: ManifestRecord[]) => records.map((r) => r.digest).sort();
        const all = await store.manifests.referrers(repository.id, subject.digest);
        assert.deepEqual(sortedDigests(all), sortedDigests([signature, sbom, untyped]));
        assert.deepEqual(all.find((r) => r.digest === signature.digest), signature, 'whole records');
        assert.deepEqual(await store.manifests.referrers(repository.id, subject.digest, 'application/spdx+json'), [sbom]);
        assert.deepEqual(await store.manifests.referrers(repository.id, subject.digest, 'application/none'), []);
        assert.deepEqual(await store.manifests.referrers(repository.id, freshDigest()), []);
        // A referrer may exist before its subject; it is found all the same.
        const early = manifest(repository.id, { subjectDigest: freshDigest() });
        await store.manifests.put(early, [], []);
        assert.deepEqual(await store.manifests.referrers(repository.id, early.subjectDigest!), [early]);
        assert.equal(await store.manifests.delete(repository.id, sbom.digest), true);
        assert.deepEqual(sortedDigests(await store.manifests.referrers(repository.id, subject.digest)), sortedDigests([signature, untyped]));
      });
    });

    describe('tags', () => {
      it('resolves a tag to its manifest record', async () => {
        const repository = await freshRepository();
        const record = manifest(repository.id, { annotations: { a: 'b' } });
        assert.equal(await store.tags.resolve(repository.id, 'latest'), undefined);
        await store.manifests.put(record, [], ['latest']);
        assert.deepEqual(await store.tags.resolve(repository.id, 'latest'), record);
        assert.equal(await store.tags.resolve(repository.id, 'LATEST'), undefined, 'tags are case-sensitive');
        assert.equal(await store.tags.resolve((await freshRepository()).id, 'latest'), undefined, 'tags are per repository');
      });

      it('lists in byte order, page by page after `last`', async () => {
        const repository = await freshRepository();
        const tags = ['latest', 'Latest', 'LATEST', 'v1.0', 'v1-0', 'v1_0', 'V2', '1.0', '_x', 'a', 'A', 'z', 'Z', '0', 'v1.0.1', 'v10'];
        await store.manifests.put(manifest(repository.id), [], tags.slice(0, 8));
        await store.manifests.put(manifest(repository.id), [], tags.slice(8));
        const other = await freshRepository();
        await store.manifests.put(manifest(other.id), [], ['not-mine']);
        const sorted = [...tags].sort(byteOrder);
        const list = (page: Page) => store.tags.list(repository.id, page);
        assert.deepEqual(await list({ limit: 100 }), sorted);
        const pages = await paged(list, 5);
        assert.deepEqual(pages.flat(), sorted);
        assert.deepEqual(pages.map((p) => p.length), [5, 5, 5, 1]);
        assert.deepEqual(await list({ last: 'v1', limit: 3 }), ['v1-0', 'v1.0', 'v1.0.1']);
        assert.deepEqual(await list({ last: 'z', limit: 3 }), []);
      });

      it('deletes a tag, not its manifest', async () => {
        const repository = await freshRepository();
        const record = manifest(repository.id);
        await store.manifests.put(record, [], ['keep', 'drop']);
        assert.equal(await store.tags.delete(repository.id, 'drop'), true);
        assert.equal(await store.tags.resolve(repository.id, 'drop'), undefined);
        assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), ['keep']);
        assert.deepEqual(await store.manifests.get(repository.id, record.digest), record);
        assert.equal(await store.tags.delete(repository.id, 'drop'), false);
        assert.equal(await store.tags.delete(repository.id, 'never'), false);
        assert.equal(await store.tags.delete(repository.id, 'keep'), true);
        assert.deepEqual(await store.manifests.get(repository.id, record.digest), record, 'an untagged manifest stays');
      });
    });

    runImageIndexSuite(() => store);
    runConversionIndexSuite(() => store);

    describe('uploads', () => {
      it('creates, gets, touches and deletes an upload', async () => {
        const repository = await freshRepository();
        const upload = { id: randomUUID(), repositoryId: repository.id, createdAt: Date.now() - 5000, updatedAt: Date.now() - 5000 };
        assert.equal(await store.uploads.get(upload.id), undefined);
        await store.uploads.create(upload);
        assert.deepEqual(await store.uploads.get(upload.id), { ...upload, verifiedDigest: null, dataKey: null });
        const later = Date.now();
        await store.uploads.touch(upload.id, later);
        assert.deepEqual(await store.uploads.get(upload.id), { ...upload, updatedAt: later, verifiedDigest: null, dataKey: null });
        const digest = `sha256:${'a'.repeat(64)}`;
        await store.uploads.markVerified(upload.id, digest);
        assert.deepEqual(await store.uploads.get(upload.id), { ...upload, updatedAt: later, verifiedDigest: digest, dataKey: null });
        assert.equal(await store.uploads.delete(upload.id), true);
        assert.equal(await store.uploads.get(upload.id), undefined);
        assert.equal(await store.uploads.delete(upload.id), false);
      });

      it('refuses a second upload with the same id', async () => {
        const repository = await freshRepository();
        const upload = { id: randomUUID(), repositoryId: repository.id, createdAt: Date.now(), updatedAt: Date.now() };
        await store.uploads.create(upload);
        await assert.rejects(store.uploads.create({ ...upload, createdAt: 1, updatedAt: 1 }));
        assert.deepEqual(await store.uploads.get(upload.id), { ...upload, verifiedDigest: null, dataKey: null });
        await store.uploads.delete(upload.id);
      });

      it('lists stale uploads oldest first, up to a limit', async () => {
        // Times far in the past, so uploads of other tests (made now) are never stale here.
        const first = await freshRepository();
        const second = await freshRepository();
        const at = (t: number, repositoryId: string) => ({ id: randomUUID(), repositoryId, createdAt: 1, updatedAt: t });
        const uploads = [at(300, first.id), at(100, second.id), at(400, first.id), at(200, first.id), at(500, second.id)];
        for (const u of uploads) await store.uploads.create(u);
        const ids = (list: { id: string }[]) => list.map((u) => u.id);
        const byAge = [...uploads].sort((a, b) => a.updatedAt - b.updatedAt);
        assert.deepEqual(await store.uploads.stale(350, 100), byAge.slice(0, 3).map((u) => ({ ...u, verifiedDigest: null, dataKey: null })), 'whole uploads, oldest first, across repositories');
        assert.deepEqual(ids(await store.uploads.stale(350, 2)), ids(byAge.slice(0, 2)));
        assert.deepEqual(await store.uploads.stale(100, 100), [], 'strictly before');
        // Touching an upload makes it fresh again.
        await store.uploads.touch(byAge[0]!.id, Date.now());
        assert.deepEqual(ids(await store.uploads.stale(350, 100)), ids(byAge.slice(1, 3)));
        for (const u of uploads) await store.uploads.delete(u.id);
        assert.deepEqual(await store.uploads.stale(1000, 100), []);
      });
    });

    describe('settings', () => {
      it('sets a key only when absent and returns what is stored', async () => {
        const key = `suite.${randomUUID()}`;
        assert.equal(await store.settings.get(key), undefined);
        assert.equal(await store.settings.setIfAbsent(key, 'first'), 'first');
        assert.equal(await store.settings.setIfAbsent(key, 'second'), 'first');
        assert.equal(await store.settings.get(key), 'first');
        const long = 'x'.repeat(10_000);
        const other = `suite.${randomUUID()}`;
        assert.equal(await store.settings.setIfAbsent(other, long), long);
        assert.equal(await store.settings.get(other), long);
      });

      it('keeps the first value when many set it at once', async () => {
        const key = `suite.${randomUUID()}`;
        const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
        const results = await Promise.all(values.map((v) => store.settings.setIfAbsent(key, v)));
        const stored = await store.settings.get(key);
        assert.ok(stored !== undefined && values.includes(stored));
        assert.deepEqual(new Set(results), new Set([stored]), 'every caller sees the one stored value');
      });
    });

    describeEcrMetadata(() => store);
    describeKeyMetadata(() => store);
    describePolicyMetadata(() => store);
    describePublicMetadata(() => store);
    describeRoleMetadata(() => store);
  });
}
