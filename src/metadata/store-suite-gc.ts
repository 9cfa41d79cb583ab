// The shared metadata suite's part for garbage collection (GcIndex) and the checks a push makes
// against it: candidates, the sweep under locks, deletion marks that links and puts respect,
// manifest bytes, sightings, untagged manifests, the audit's lookup and the totals.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { freshDigest, freshRepository, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

const FUTURE = () => Date.now() + 60_000;
const PAST = () => Date.now() - 3_600_000;

export function runGcIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  const key = (digest: string) =>
    store.blobKeys.put({ digest, id: 'ab'.repeat(16), wrappingKey: 'master', wrapped: 'x' });

  describe('garbage collection', () => {
    it('finds a link no manifest names and its blob only once they are older than the cutoff', async () => {
      const repository = await freshRepository(store);
      const digest = freshDigest();
      await store.blobs.link(repository.id, digest, 9);
      assert.deepEqual(await store.gc.blobCandidates([digest], PAST()), { links: [], blobs: [] });
      const found = await store.gc.blobCandidates([digest], FUTURE());
      assert.deepEqual(found.links, [{ repositoryId: repository.id, digest }]);
      assert.deepEqual(found.blobs, [{ digest, size: 9 }]);
      const swept = await store.gc.sweepBlobs([digest], FUTURE(), Date.now());
      assert.deepEqual(swept, found);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), undefined);
      assert.equal(await store.gc.isDeleting(digest), true);
      assert.deepEqual(await store.gc.indexed([digest, freshDigest()]), new Set([digest]));
      await store.gc.finishDeletion([digest]);
      assert.equal(await store.gc.isDeleting(digest), false);
      assert.equal(await store.blobs.size(digest), undefined);
    });

    it('keeps what a manifest names, in its repository and everywhere', async () => {
      const repository = await freshRepository(store);
      const other = await freshRepository(store);
      const digest = freshDigest();
      await store.blobs.link(repository.id, digest, 3);
      await store.blobs.link(other.id, digest, 3);
      await store.manifests.put(manifest(repository.id), [digest], ['v1']);
      const found = await store.gc.sweepBlobs([digest], FUTURE(), Date.now());
      assert.deepEqual(found.links, [{ repositoryId: other.id, digest }], 'only the unnamed link goes');
      assert.deepEqual(found.blobs, []);
      assert.equal(await store.blobs.linkedSize(repository.id, digest), 3);
      assert.equal(await store.gc.isDeleting(digest), false);
    });

    // 540 links removed: more than one statement's worth (kysely-gc.ts).
    it('sweeps a batch of hundreds of links in one decision, and only those no manifest of their repository names', async () => {
      const repositories = [await freshRepository(store), await freshRepository(store)];
      const digests = Array.from({ length: 360 }, () => freshDigest());
      for (const repository of repositories)
        for (const digest of digests) await store.blobs.link(repository.id, digest, 5);
      // The first repository's manifest names the first half: those links and blobs stay.
      const named = digests.slice(0, 180);
      await store.manifests.put(manifest(repositories[0]!.id), named, ['kept']);
      const swept = await store.gc.sweepBlobs(digests, FUTURE(), Date.now());
      const expected = [
        ...digests.map((digest) => `${repositories[1]!.id} ${digest}`),
        ...digests.slice(180).map((digest) => `${repositories[0]!.id} ${digest}`),
      ].sort();
      assert.deepEqual(swept.links.map((l) => `${l.repositoryId} ${l.digest}`).sort(), expected);
      assert.deepEqual(swept.blobs.map((b) => b.digest).sort(), digests.slice(180).sort());
      for (const digest of named) {
        assert.equal(await store.blobs.linkedSize(repositories[0]!.id, digest), 5);
        assert.equal(await store.blobs.linkedSize(repositories[1]!.id, digest), undefined);
      }
      await store.gc.finishDeletion(swept.blobs.map((b) => b.digest));
      assert.deepEqual(await store.gc.indexed(digests.slice(180)), new Set());
    });

    it('pages only blobs and keyed digests older than the cutoff when asked', async () => {
      const repository = await freshRepository(store);
      const digest = freshDigest();
      await store.blobs.link(repository.id, digest, 3);
      const keyed = freshDigest();
      await key(keyed);
      // Pages starting just before each digest (a prefix orders first).
      const pageHas = async (cutoff: number | undefined) =>
        (await store.gc.blobPage(digest.slice(0, -1), 1000, cutoff)).includes(digest);
      const keyedHas = async (cutoff: number | undefined) =>
        (await store.gc.keyedPage(keyed.slice(0, -1), 1000, cutoff)).includes(keyed);
      assert.equal(await pageHas(undefined), true);
      assert.equal(await pageHas(PAST()), false, 'seen since the cutoff');
      assert.equal(await pageHas(FUTURE()), true);
      assert.equal(await keyedHas(undefined), true);
      assert.equal(await keyedHas(PAST()), false, 'keyed since the cutoff');
      assert.equal(await keyedHas(FUTURE()), true);
    });

    it('keeps a blob seen after the cutoff', async () => {
      const repository = await freshRepository(store);
      const digest = freshDigest();
      await store.blobs.link(repository.id, digest, 3);
      const cutoff = Date.now() + 1000;
      await store.gc.touch(digest, cutoff + 1000, cutoff);
      assert.deepEqual(await store.gc.blobCandidates([digest], cutoff), { links: [], blobs: [] });
    });

    it('makes a link of a blob being deleted wait until the deletion is over; a mount does not happen', async () => {
      const repository = await freshRepository(store);
      const digest = freshDigest();
      await store.blobs.link(repository.id, digest, 5);
      await store.gc.sweepBlobs([digest], FUTURE(), Date.now());
      assert.equal(await store.blobs.linkExisting(repository.id, digest), undefined);
      let linked = false;
      const linking = store.blobs.link(repository.id, digest, 5).then(() => {
        linked = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(linked, false, 'the link waits for the deletion');
      await store.gc.finishDeletion([digest]);
      await linking;
      assert.equal(await store.blobs.linkedSize(repository.id, digest), 5);
      const other = await freshRepository(store);
      assert.equal(await store.blobs.linkExisting(other.id, digest), 5);
      assert.equal(await store.blobs.linkExisting(other.id, freshDigest()), undefined);
    });

    it('refuses a manifest put whose blob was collected, or whose bytes were', async () => {
      const repository = await freshRepository(store);
      const blob = freshDigest();
      await store.blobs.link(repository.id, blob, 5);
      const record = manifest(repository.id);
      await key(record.digest);
      const checks = { blobs: [blob], children: [], bytes: record.digest };
      await store.gc.sweepBlobs([blob], FUTURE(), Date.now());
      assert.deepEqual(await store.manifests.put(record, [blob], ['v1'], [], checks), {
        stored: false,
        missing: [blob],
      });
      assert.equal(await store.manifests.get(repository.id, record.digest), undefined);
      await store.gc.finishDeletion([blob]);
      await store.blobs.link(repository.id, blob, 5);
      const unkeyed = manifest(repository.id);
      assert.deepEqual(
        await store.manifests.put(unkeyed, [blob], [], [], { blobs: [blob], children: [], bytes: unkeyed.digest }),
        { stored: false, bytesGone: true },
      );
      const child = freshDigest();
      assert.deepEqual(await store.manifests.put(record, [blob, child], ['v1'], [], { ...checks, children: [child] }), {
        stored: false,
        missing: [child],
      });
      assert.deepEqual(await store.manifests.put(record, [blob], ['v1'], [], checks), { stored: true });
    });

    it('finds manifest bytes no manifest or conversion has, and marks them', async () => {
      const repository = await freshRepository(store);
      const orphan = freshDigest();
      const kept = manifest(repository.id, { contentDigest: freshDigest() });
      await key(orphan);
      await key(kept.contentDigest!);
      await store.manifests.put(kept, [], []);
      assert.deepEqual(await store.gc.manifestByteCandidates([orphan, kept.contentDigest!], PAST()), []);
      assert.deepEqual(await store.gc.manifestByteCandidates([orphan, kept.contentDigest!], FUTURE()), [orphan]);
      assert.deepEqual(await store.gc.markManifestBytes([orphan], FUTURE(), Date.now()), [orphan]);
      assert.deepEqual(
        (await store.gc.deleting(10_000)).filter((d) => d.digest === orphan),
        [{ digest: orphan }],
      );
      await store.gc.finishDeletion([orphan]);
      assert.deepEqual(await store.gc.indexed([orphan]), new Set());
    });

    it('deletes untagged manifests no index names and no subject needs', async () => {
      const repository = await freshRepository(store);
      const old = Date.now() - 10_000;
      const lonely = manifest(repository.id, { createdAt: old });
      const tagged = manifest(repository.id, { createdAt: old });
      const child = manifest(repository.id, { createdAt: old });
      const index = manifest(repository.id, { createdAt: old });
      const referrer = manifest(repository.id, { createdAt: old, subjectDigest: tagged.digest });
      await store.manifests.put(lonely, [], []);
      await store.manifests.put(tagged, [], ['v1']);
      await store.manifests.put(child, [], []);
      await store.manifests.put(index, [child.digest], ['multi']);
      await store.manifests.put(referrer, [], []);
      const cutoff = Date.now();
      const mine = [];
      for (let after: { repositoryId: string; digest: string } | undefined; ; ) {
        const page = await store.gc.untaggedPage(after, cutoff, 1000);
        if (page.length === 0) break;
        mine.push(...page.filter((m) => m.repositoryId === repository.id).map((m) => m.digest));
        after = page.at(-1);
      }
      assert.deepEqual(mine, [lonely.digest]);
      assert.equal(
        await store.gc.deleteUntagged({ repositoryId: repository.id, digest: tagged.digest }, cutoff),
        false,
      );
      assert.equal(await store.gc.deleteUntagged({ repositoryId: repository.id, digest: lonely.digest }, cutoff), true);
      assert.equal(await store.manifests.get(repository.id, lonely.digest), undefined);
    });

    it('keeps running totals of what was freed', async () => {
      const before = (await store.gc.freed()).suite ?? { objects: 0, bytes: 0 };
      await store.gc.addFreed('suite', 2, 100, Date.now());
      await store.gc.addFreed('suite', 1, 2 ** 40, Date.now());
      const after = (await store.gc.freed()).suite!;
      assert.deepEqual(after, { objects: before.objects + 3, bytes: before.bytes + 100 + 2 ** 40 });
    });
  });
}
