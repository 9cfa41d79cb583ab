// The shared metadata suite's part for the archive index (ArchiveIndex): image statuses moved
// only from the status they are in, with their timestamps, in listings and their filters; the
// queue of layer moves with leases and progress; which blobs only archived images use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteOrder, freshAccount, freshDigest, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

export function runArchiveIndexSuite(getStore: () => MetadataStore): void {
  describe('archive', () => {
    const fresh = () => getStore().repositories.ensure(freshAccount(), 'team/archive');

    it('archives and restores an image only from the status it is in, queueing the moves of its layers', async () => {
      const store = getStore();
      const repository = await fresh();
      const image = manifest(repository.id);
      const other = manifest(repository.id);
      await store.manifests.put(image, [], ['v1']);
      await store.manifests.put(other, [], []);
      assert.equal(await store.archive.status(repository.id, image.digest), 'ACTIVE');
      assert.equal(await store.archive.status(repository.id, freshDigest()), undefined);

      assert.equal(await store.archive.transition(repository.id, image.digest, 'ACTIVE', 'ARCHIVED', 1000), true);
      assert.equal(await store.archive.transition(repository.id, image.digest, 'ACTIVE', 'ARCHIVED', 2000), false);
      assert.equal(await store.archive.status(repository.id, image.digest), 'ARCHIVED');
      const [archived] = await store.images.get(repository.id, [image.digest]);
      assert.deepEqual(archived, {
        ...image,
        tags: ['v1'],
        lastPulledAt: null,
        imageStatus: 'ARCHIVED',
        lastArchivedAt: 1000,
      });
      assert.equal((await store.tags.resolve(repository.id, 'v1'))?.imageStatus, 'ARCHIVED');
      assert.equal((await store.manifests.get(repository.id, image.digest))?.imageStatus, 'ARCHIVED');
      assert.equal((await store.manifests.get(repository.id, other.digest))?.imageStatus, undefined);
      for (const [status, expected] of [
        ['ARCHIVED', [image.digest]],
        ['ACTIVE', [other.digest]],
        ['ACTIVATING', []],
        ['ANY', [image.digest, other.digest].sort(byteOrder)],
      ] as const) {
        const listed = await store.images.list(repository.id, 'ANY', { limit: 10 }, status);
        assert.deepEqual(
          listed.map((i) => i.digest),
          expected,
          status,
        );
        const ids = await store.images.ids(repository.id, 'ANY', { limit: 10 }, status);
        assert.deepEqual([...new Set(ids.map((i) => i.digest))], expected, status);
      }
      const queued = await store.archive.move(repository.id, image.digest);
      assert.equal(queued?.target, 'ARCHIVE');
      assert.equal(queued?.requestedAt, 1000);

      // A lease keeps a move from other nodes until it expires.
      assert.equal(await store.archive.claim(repository.id, image.digest, 'ARCHIVE', 'node-a', 1000, 5000), true);
      assert.equal(await store.archive.claim(repository.id, image.digest, 'ARCHIVE', 'node-b', 2000, 6000), false);
      assert.ok(!(await store.archive.pending(2000, 100)).some((m) => m.digest === image.digest));
      assert.ok((await store.archive.pending(5001, 1000)).some((m) => m.digest === image.digest));
      assert.equal(
        (await store.archive.list(10_000)).find((m) => m.digest === image.digest)?.leaseHolder,
        'node-a',
        'a leased move is listed',
      );
      await store.archive.progress(repository.id, image.digest, 'STANDARD', {
        blobsTotal: 9,
        blobsDone: 9,
        bytesTotal: 9,
        bytesDone: 9,
        leaseUntil: 9,
      });
      assert.equal((await store.archive.move(repository.id, image.digest))?.blobsDone, 0, 'not a move to STANDARD');
      await store.archive.progress(repository.id, image.digest, 'ARCHIVE', {
        blobsTotal: 2,
        blobsDone: 1,
        bytesTotal: 300,
        bytesDone: 100,
        leaseUntil: 7000,
      });
      assert.deepEqual(
        { ...(await store.archive.move(repository.id, image.digest)) },
        {
          repositoryId: repository.id,
          digest: image.digest,
          target: 'ARCHIVE',
          requestedAt: 1000,
          leaseHolder: 'node-a',
          leaseUntil: 7000,
          blobsTotal: 2,
          blobsDone: 1,
          bytesTotal: 300,
          bytesDone: 100,
        },
      );
      await store.archive.finish(repository.id, image.digest, 'ARCHIVE');
      assert.equal(await store.archive.move(repository.id, image.digest), undefined);

      // Restoring: ACTIVATING (a move to STANDARD queued), then ACTIVE.
      assert.equal(await store.archive.transition(repository.id, image.digest, 'ARCHIVED', 'ACTIVATING', 3000), true);
      assert.equal((await store.archive.move(repository.id, image.digest))?.target, 'STANDARD');
      await store.archive.finish(repository.id, image.digest, 'ARCHIVE');
      assert.equal((await store.archive.move(repository.id, image.digest))?.target, 'STANDARD', 'another target stays');
      assert.equal(await store.archive.transition(repository.id, image.digest, 'ACTIVATING', 'ACTIVE', 4000), true);
      assert.equal(await store.archive.move(repository.id, image.digest), undefined);
      const [restored] = await store.images.get(repository.id, [image.digest]);
      assert.deepEqual(restored, {
        ...image,
        tags: ['v1'],
        lastPulledAt: null,
        lastArchivedAt: 1000,
        lastActivatedAt: 4000,
      });

      // A removed image's queued move goes with it.
      assert.equal(await store.archive.transition(repository.id, other.digest, 'ACTIVE', 'ARCHIVED', 5000), true);
      assert.equal(await store.manifests.delete(repository.id, other.digest), true);
      assert.equal(await store.archive.move(repository.id, other.digest), undefined);
    });

    it('names an image blobs and those only archived images use, in any repository', async () => {
      const store = getStore();
      const [one, two] = [await fresh(), await fresh()];
      const [own, shared, config] = [freshDigest(), freshDigest(), freshDigest()];
      for (const [repository, digest, size] of [
        [one, own, 100],
        [one, shared, 2000],
        [two, shared, 2000],
        [two, config, 30],
      ] as const)
        await store.blobs.link(repository.id, digest, size);
      const a = manifest(one.id);
      const b = manifest(two.id);
      const index = manifest(one.id, { mediaType: 'application/vnd.oci.image.index.v1+json' });
      await store.manifests.put(a, [own, shared], []);
      await store.manifests.put(b, [shared, config], []);
      await store.manifests.put(index, [a.digest], []);
      assert.deepEqual(
        await store.archive.imageBlobs(one.id, a.digest),
        [
          { digest: own, size: 100 },
          { digest: shared, size: 2000 },
        ].sort((x, y) => byteOrder(x.digest, y.digest)),
      );
      assert.deepEqual(await store.archive.imageBlobs(one.id, index.digest), [], 'child manifests are not layers');
      assert.deepEqual(await store.archive.archivedOnly([own, shared, config]), new Set());
      assert.equal(await store.archive.unpullable(one.id, own), false);
      assert.equal(await store.archive.sharedWithArchived([own, shared, config]), false);

      await store.archive.transition(one.id, a.digest, 'ACTIVE', 'ARCHIVED', 1);
      assert.equal(await store.archive.sharedWithArchived([shared, freshDigest()]), true);
      assert.equal(await store.archive.sharedWithArchived([config]), false);
      assert.equal(await store.archive.sharedWithArchived([]), false);
      assert.deepEqual(await store.archive.archivedOnly([own, shared, config, freshDigest()]), new Set([own]));
      assert.equal(await store.archive.unpullable(one.id, own), true);
      assert.equal(await store.archive.unpullable(one.id, shared), true, 'within the repository');
      assert.equal(await store.archive.unpullable(two.id, shared), false);
      assert.equal(await store.archive.unpullable(one.id, freshDigest()), false, 'a blob no image uses');

      await store.archive.transition(two.id, b.digest, 'ACTIVE', 'ARCHIVED', 2);
      assert.deepEqual(await store.archive.archivedOnly([own, shared, config]), new Set([own, shared, config]));
      await store.archive.transition(two.id, b.digest, 'ARCHIVED', 'ACTIVATING', 3);
      assert.deepEqual(await store.archive.archivedOnly([own, shared, config]), new Set([own]));
      assert.equal(await store.archive.unpullable(two.id, config), true, 'ACTIVATING is not pullable yet');

      // A queued move stays as it was when another is asked for; a new one starts free.
      await store.archive.enqueue(two.id, b.digest, 'ARCHIVE', 4);
      assert.equal((await store.archive.move(two.id, b.digest))?.target, 'STANDARD');
      const c = manifest(two.id);
      await store.manifests.put(c, [config], []);
      await store.archive.enqueue(two.id, c.digest, 'STANDARD', 5);
      const queued = await store.archive.move(two.id, c.digest);
      assert.deepEqual(
        [queued?.target, queued?.requestedAt, queued?.leaseHolder, queued?.blobsDone],
        ['STANDARD', 5, null, 0],
      );
    });
  });
}
