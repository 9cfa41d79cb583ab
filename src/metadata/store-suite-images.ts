// The shared metadata suite's part for the image view (ImageIndex): listings with tags in byte
// order and their pagination, image sizes, parents, blob references and recorded pulls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteOrder, freshAccount, freshDigest, manifest } from './store-suite-fixtures.js';
import type { ImageId, TagStatus } from '../domain/records/images.js';
import type { MetadataStore } from './store.js';

export function runImageIndexSuite(getStore: () => MetadataStore): void {
  describe('images', () => {
    const fresh = () => getStore().repositories.ensure(freshAccount(), 'team/images');

    /** A repository with three tagged manifests (one with three tags) and two untagged ones. */
    async function populated() {
      const store = getStore();
      const repository = await fresh();
      const [a, b, c, d, e] = Array.from({ length: 5 }, () => manifest(repository.id));
      await store.manifests.put(a!, [], ['v1', 'Latest', 'v1.0']);
      await store.manifests.put(b!, [], ['b']);
      await store.manifests.put(c!, [], ['_c']);
      await store.manifests.put(d!, [], []);
      await store.manifests.put(e!, [], []);
      const elsewhere = await fresh();
      await store.manifests.put(manifest(elsewhere.id), [], ['v1']);
      return { repository, tagged: [a!, b!, c!], untagged: [d!, e!] };
    }

    function expectedIds(entries: { digest: string; tags: string[] }[], tagStatus: TagStatus): ImageId[] {
      const ids: ImageId[] = [];
      for (const { digest, tags } of [...entries].sort((x, y) => byteOrder(x.digest, y.digest))) {
        if (tags.length === 0 && tagStatus !== 'TAGGED') ids.push({ digest, tag: null });
        if (tagStatus !== 'UNTAGGED') for (const tag of [...tags].sort(byteOrder)) ids.push({ digest, tag });
      }
      return ids;
    }

    it('lists image ids by digest then tag, filtered by tag status, page by page', async () => {
      const store = getStore();
      const { repository, tagged, untagged } = await populated();
      const entries = [
        { digest: tagged[0]!.digest, tags: ['v1', 'Latest', 'v1.0'] },
        { digest: tagged[1]!.digest, tags: ['b'] },
        { digest: tagged[2]!.digest, tags: ['_c'] },
        ...untagged.map((m) => ({ digest: m.digest, tags: [] })),
      ];
      for (const status of ['ANY', 'TAGGED', 'UNTAGGED'] as const) {
        const expected = expectedIds(entries, status);
        assert.deepEqual(await store.images.ids(repository.id, status, { limit: 100 }), expected, status);
        for (const size of [1, 2, 3]) {
          const pages: ImageId[][] = [];
          let after: ImageId | undefined;
          for (;;) {
            const page = await store.images.ids(
              repository.id,
              status,
              after ? { after, limit: size } : { limit: size },
            );
            if (page.length === 0) break;
            assert.ok(page.length <= size);
            pages.push(page);
            after = page[page.length - 1];
            assert.ok(pages.length < 20, 'pagination ends');
          }
          assert.deepEqual(pages.flat(), expected, `${status} in pages of ${size}`);
        }
      }
      assert.deepEqual(await store.images.ids((await fresh()).id, 'ANY', { limit: 10 }), []);
    });

    it('lists images with their tags in byte order, filtered by tag status, after a digest', async () => {
      const store = getStore();
      const { repository, tagged, untagged } = await populated();
      const all = await store.images.list(repository.id, 'ANY', { limit: 100 });
      const digests = [...tagged, ...untagged].map((m) => m.digest).sort(byteOrder);
      assert.deepEqual(
        all.map((i) => i.digest),
        digests,
      );
      const first = all.find((i) => i.digest === tagged[0]!.digest)!;
      assert.deepEqual(
        first,
        { ...tagged[0]!, tags: ['Latest', 'v1', 'v1.0'], lastPulledAt: null },
        'whole records with their tags',
      );
      assert.deepEqual(all.find((i) => i.digest === untagged[0]!.digest)!.tags, []);
      assert.deepEqual(
        (await store.images.list(repository.id, 'TAGGED', { limit: 100 })).map((i) => i.digest),
        tagged.map((m) => m.digest).sort(byteOrder),
      );
      assert.deepEqual(
        (await store.images.list(repository.id, 'UNTAGGED', { limit: 100 })).map((i) => i.digest),
        untagged.map((m) => m.digest).sort(byteOrder),
      );
      assert.deepEqual(
        (await store.images.list(repository.id, 'ANY', { limit: 2 })).map((i) => i.digest),
        digests.slice(0, 2),
      );
      assert.deepEqual(
        (await store.images.list(repository.id, 'ANY', { last: digests[1]!, limit: 2 })).map((i) => i.digest),
        digests.slice(2, 4),
      );
      assert.deepEqual(await store.images.list(repository.id, 'ANY', { last: digests[4]!, limit: 2 }), []);
    });

    it('gets images by digest, leaving out the missing ones', async () => {
      const store = getStore();
      const { repository, tagged, untagged } = await populated();
      const found = await store.images.get(repository.id, [
        tagged[1]!.digest,
        untagged[0]!.digest,
        freshDigest(),
        tagged[1]!.digest,
      ]);
      assert.deepEqual(
        found.sort((x, y) => byteOrder(x.digest, y.digest)),
        [
          { ...tagged[1]!, tags: ['b'], lastPulledAt: null },
          { ...untagged[0]!, tags: [], lastPulledAt: null },
        ].sort((x, y) => byteOrder(x.digest, y.digest)),
      );
      assert.deepEqual(await store.images.get(repository.id, []), []);
      assert.deepEqual(
        await store.images.get((await fresh()).id, [tagged[0]!.digest]),
        [],
        'images are per repository',
      );
    });

    it('sizes an image by its blobs and an index by its largest child; names parents and blob references', async () => {
      const store = getStore();
      const repository = await fresh();
      const [config, small, large, shared] = [freshDigest(), freshDigest(), freshDigest(), freshDigest()];
      for (const [digest, size] of [
        [config, 100],
        [small, 1000],
        [large, 50 * 1024 ** 3],
        [shared, 7],
      ] as const)
        await store.blobs.link(repository.id, digest, size);
      const one = manifest(repository.id);
      const two = manifest(repository.id);
      await store.manifests.put(one, [config, small, shared], []);
      await store.manifests.put(two, [config, large, shared], []);
      const index = manifest(repository.id, { mediaType: 'application/vnd.oci.image.index.v1+json' });
      await store.manifests.put(index, [one.digest, two.digest], ['multi']);
      const bare = manifest(repository.id);
      await store.manifests.put(bare, [], []);
      const sizes = await store.images.sizes(repository.id, [
        one.digest,
        two.digest,
        index.digest,
        bare.digest,
        freshDigest(),
      ]);
      assert.deepEqual(
        sizes,
        new Map([
          [one.digest, 1107],
          [two.digest, 50 * 1024 ** 3 + 107],
          [index.digest, 50 * 1024 ** 3 + 107],
        ]),
      );
      assert.deepEqual(await store.images.sizes(repository.id, []), new Map());
      assert.deepEqual(await store.images.parents(repository.id, one.digest), [index.digest]);
      assert.deepEqual(await store.images.parents(repository.id, index.digest), []);
      assert.equal(await store.images.referencesBlob(repository.id, shared), true);
      assert.equal(await store.images.referencesBlob(repository.id, freshDigest()), false);
      const unreferenced = freshDigest();
      await store.blobs.link(repository.id, unreferenced, 3);
      assert.equal(await store.images.referencesBlob(repository.id, unreferenced), false, 'linked is not referenced');
      assert.equal(
        await store.images.referencesBlob((await fresh()).id, shared),
        false,
        'references are per repository',
      );
      await store.manifests.delete(repository.id, index.digest);
      assert.deepEqual(await store.images.parents(repository.id, one.digest), []);
    });

    it('records pulls: the latest time wins, per repository', async () => {
      const store = getStore();
      const repository = await fresh();
      const other = await fresh();
      const record = manifest(repository.id);
      const elsewhere = { ...record, repositoryId: other.id };
      await store.manifests.put(record, [], ['t']);
      await store.manifests.put(elsewhere, [], []);
      const pulled = async (repositoryId: string) =>
        (await store.images.get(repositoryId, [record.digest]))[0]!.lastPulledAt;
      await store.images.recordPull(repository.id, record.digest, 2_000_000_000_000);
      assert.equal(await pulled(repository.id), 2_000_000_000_000);
      await store.images.recordPull(repository.id, record.digest, 1_900_000_000_000);
      assert.equal(await pulled(repository.id), 2_000_000_000_000, 'an earlier pull does not go back in time');
      await store.images.recordPull(repository.id, record.digest, 2_100_000_000_000);
      assert.equal(await pulled(repository.id), 2_100_000_000_000);
      assert.equal(await pulled(other.id), null);
      await store.images.recordPull(repository.id, freshDigest(), 1);
      assert.deepEqual(
        await store.manifests.get(repository.id, record.digest),
        record,
        'the manifest record is unchanged',
      );
    });
  });
}
