// The shared metadata suite's part for manifests and tags (ManifestIndex, TagIndex): puts in one
// transaction, tags that move, deletes, referrers, and tag listings in byte order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { RegistryError } from '../domain/errors.js';
import { byteOrder, freshDigest, freshRepository, manifest, paged } from './store-suite-fixtures.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { MetadataStore, Page } from './store.js';

export function runManifestIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('manifests', () => {
    it('puts a manifest and gets the same record back', async () => {
      const repository = await freshRepository(store);
      const record = manifest(repository.id, {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 40_000_000,
        artifactType: 'application/vnd.example+type',
        subjectDigest: freshDigest(),
        annotations: {
          'org.opencontainers.image.created': '2026-01-01T00:00:00Z',
          'com.example.üñí': 'välue "quoted"',
        },
        createdAt: 1_767_225_600_123,
      });
      assert.equal(await store.manifests.get(repository.id, record.digest), undefined);
      await store.manifests.put(record, [freshDigest(), freshDigest()], []);
      assert.deepEqual(await store.manifests.get(repository.id, record.digest), record);
      const plain = manifest(repository.id);
      await store.manifests.put(plain, [], []);
      assert.deepEqual(await store.manifests.get(repository.id, plain.digest), plain);
      assert.equal(
        await store.manifests.get((await freshRepository(store)).id, record.digest),
        undefined,
        'a manifest is per repository',
      );
    });

    it('accepts repeated references and repeated puts', async () => {
      const repository = await freshRepository(store);
      const child = freshDigest();
      const record = manifest(repository.id);
      await store.manifests.put(record, [child, child, freshDigest()], ['a', 'a']);
      await store.manifests.put(record, [child], ['a']);
      assert.deepEqual(await store.manifests.get(repository.id, record.digest), record);
      assert.deepEqual(await store.tags.list(repository.id, { limit: 10 }), ['a']);
    });

    it('puts the manifest and its tags in one transaction', async () => {
      const repository = await freshRepository(store);
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
      const repository = await freshRepository(store);
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
      assert.deepEqual(
        await store.manifests.existing(repository.id, [a.digest, b.digest]),
        new Set([a.digest, b.digest]),
        'untagged manifests stay',
      );
    });

    it('says which digests are manifests in the repository', async () => {
      const repository = await freshRepository(store);
      const other = await freshRepository(store);
      const a = manifest(repository.id);
      const b = manifest(repository.id);
      const elsewhere = manifest(other.id);
      for (const m of [a, b, elsewhere]) await store.manifests.put(m, [], []);
      const blob = freshDigest();
      await store.blobs.link(repository.id, blob, 1);
      assert.deepEqual(
        await store.manifests.existing(repository.id, [a.digest, b.digest, elsewhere.digest, blob, freshDigest()]),
        new Set([a.digest, b.digest]),
      );
      assert.deepEqual(await store.manifests.existing(repository.id, []), new Set());
      assert.deepEqual(await store.manifests.existing(repository.id, [a.digest, a.digest]), new Set([a.digest]));
    });

    it('deletes a manifest with every tag pointing at it, and only those', async () => {
      const repository = await freshRepository(store);
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
      const repository = await freshRepository(store);
      const other = await freshRepository(store);
      const subject = manifest(repository.id);
      await store.manifests.put(subject, [], ['v1']);
      const signature = manifest(repository.id, {
        subjectDigest: subject.digest,
        artifactType: 'application/vnd.dev.cosign.signature',
        annotations: { k: 'v' },
        createdAt: 100,
      });
      const sbom = manifest(repository.id, {
        subjectDigest: subject.digest,
        artifactType: 'application/spdx+json',
        createdAt: 200,
      });
      const untyped = manifest(repository.id, { subjectDigest: subject.digest, createdAt: 300 });
      const unrelated = manifest(repository.id, {
        subjectDigest: freshDigest(),
        artifactType: 'application/spdx+json',
      });
      const elsewhere = manifest(other.id, { subjectDigest: subject.digest, artifactType: 'application/spdx+json' });
      for (const m of [signature, sbom, untyped, unrelated, elsewhere]) await store.manifests.put(m, [], []);
      const sortedDigests = (records: ManifestRecord[]) => records.map((r) => r.digest).sort();
      const all = await store.manifests.referrers(repository.id, subject.digest);
      assert.deepEqual(sortedDigests(all), sortedDigests([signature, sbom, untyped]));
      assert.deepEqual(
        all.find((r) => r.digest === signature.digest),
        signature,
        'whole records',
      );
      assert.deepEqual(await store.manifests.referrers(repository.id, subject.digest, 'application/spdx+json'), [sbom]);
      assert.deepEqual(await store.manifests.referrers(repository.id, subject.digest, 'application/none'), []);
      assert.deepEqual(await store.manifests.referrers(repository.id, freshDigest()), []);
      // A referrer may exist before its subject; it is found all the same.
      const early = manifest(repository.id, { subjectDigest: freshDigest() });
      await store.manifests.put(early, [], []);
      assert.deepEqual(await store.manifests.referrers(repository.id, early.subjectDigest!), [early]);
      assert.equal(await store.manifests.delete(repository.id, sbom.digest), true);
      assert.deepEqual(
        sortedDigests(await store.manifests.referrers(repository.id, subject.digest)),
        sortedDigests([signature, untyped]),
      );
    });
  });
}

export function runTagIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('tags', () => {
    it('resolves a tag to its manifest record', async () => {
      const repository = await freshRepository(store);
      const record = manifest(repository.id, { annotations: { a: 'b' } });
      assert.equal(await store.tags.resolve(repository.id, 'latest'), undefined);
      await store.manifests.put(record, [], ['latest']);
      assert.deepEqual(await store.tags.resolve(repository.id, 'latest'), record);
      assert.equal(await store.tags.resolve(repository.id, 'LATEST'), undefined, 'tags are case-sensitive');
      assert.equal(
        await store.tags.resolve((await freshRepository(store)).id, 'latest'),
        undefined,
        'tags are per repository',
      );
    });

    it('lists in byte order, page by page after `last`', async () => {
      const repository = await freshRepository(store);
      const tags = [
        'latest',
        'Latest',
        'LATEST',
        'v1.0',
        'v1-0',
        'v1_0',
        'V2',
        '1.0',
        '_x',
        'a',
        'A',
        'z',
        'Z',
        '0',
        'v1.0.1',
        'v10',
      ];
      await store.manifests.put(manifest(repository.id), [], tags.slice(0, 8));
      await store.manifests.put(manifest(repository.id), [], tags.slice(8));
      const other = await freshRepository(store);
      await store.manifests.put(manifest(other.id), [], ['not-mine']);
      const sorted = [...tags].sort(byteOrder);
      const list = (page: Page) => store.tags.list(repository.id, page);
      assert.deepEqual(await list({ limit: 100 }), sorted);
      const pages = await paged(list, 5);
      assert.deepEqual(pages.flat(), sorted);
      assert.deepEqual(
        pages.map((p) => p.length),
        [5, 5, 5, 1],
      );
      assert.deepEqual(await list({ last: 'v1', limit: 3 }), ['v1-0', 'v1.0', 'v1.0.1']);
      assert.deepEqual(await list({ last: 'z', limit: 3 }), []);
    });

    it('deletes a tag, not its manifest', async () => {
      const repository = await freshRepository(store);
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

    it('writes into a repository deleted meanwhile are NAME_UNKNOWN, not a foreign key failure', async () => {
      const repository = await freshRepository(store);
      await store.manifests.put(manifest(repository.id), [freshDigest()], ['v1']);
      assert.equal(await store.repositories.delete(repository.id), true);
      const gone = (err: unknown) => {
        assert.ok(err instanceof RegistryError, String(err));
        assert.equal(err.code, 'NAME_UNKNOWN');
        return true;
      };
      await assert.rejects(store.manifests.put(manifest(repository.id), [freshDigest()], ['v1']), gone);
      await assert.rejects(store.blobs.link(repository.id, freshDigest(), 10), gone);
      await assert.rejects(
        store.uploads.create({
          id: randomUUID(),
          repositoryId: repository.id,
          createdAt: Date.now(),
          updatedAt: Date.now(),
        }),
        gone,
      );
    });

    it('a put and a delete of the same manifest, many at once, leave it whole or gone with its tags', async () => {
      const repository = await freshRepository(store);
      const record = manifest(repository.id);
      const references = [freshDigest(), freshDigest(), freshDigest()];
      for (let round = 0; round < 25; round++) {
        await Promise.all([
          store.manifests.put(record, references, ['a', 'b']),
          store.manifests.delete(repository.id, record.digest),
          store.manifests.put(record, references, ['b', 'c']),
          store.manifests.delete(repository.id, record.digest),
        ]);
        const stored = await store.manifests.get(repository.id, record.digest);
        const tags = await store.tags.list(repository.id, { limit: 10 });
        if (!stored) assert.deepEqual(tags, [], 'no tag outlives its manifest');
        for (const tag of tags) assert.equal((await store.tags.resolve(repository.id, tag))?.digest, record.digest);
      }
    });
  });
}
