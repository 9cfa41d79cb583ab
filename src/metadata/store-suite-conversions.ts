// The shared metadata suite's part for kept manifest conversions (ConversionIndex): by source and
// variant, by their own digest, first writer wins, gone with the source manifest or repository.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshAccount, freshDigest, manifest } from './store-suite-fixtures.js';
import type { ManifestConversion } from '../domain/records/conversions.js';
import type { MetadataStore } from './store.js';

export function runConversionIndexSuite(getStore: () => MetadataStore): void {
  describe('conversions', () => {
    const fresh = () => getStore().repositories.ensure(freshAccount(), 'team/conversions');

    function conversion(
      repositoryId: string,
      sourceDigest: string,
      overrides: Partial<ManifestConversion> = {},
    ): ManifestConversion {
      return {
        repositoryId,
        sourceDigest,
        variant: 'application/vnd.oci.image.manifest.v1+json',
        digest: freshDigest(),
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 321,
        contentDigest: null,
        createdAt: Date.now(),
        ...overrides,
      };
    }

    it('keeps a conversion and finds it by source and variant, and by its digest in its repository only', async () => {
      const store = getStore();
      const repository = await fresh();
      const source = manifest(repository.id, { mediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
      await store.manifests.put(source, [], ['v1']);
      const oci = conversion(repository.id, source.digest);
      const schema1 = conversion(repository.id, source.digest, {
        variant: 'application/vnd.docker.distribution.manifest.v1+prettyjws;tag=v1',
        mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        contentDigest: freshDigest(),
      });
      assert.deepEqual(await store.conversions.put(oci), oci);
      assert.deepEqual(await store.conversions.put(schema1), schema1);
      assert.deepEqual(await store.conversions.get(repository.id, source.digest, oci.variant), oci);
      assert.deepEqual(await store.conversions.byDigest(repository.id, schema1.digest), schema1);
      assert.equal(await store.conversions.get(repository.id, source.digest, 'other'), undefined);
      assert.equal(await store.conversions.byDigest((await fresh()).id, oci.digest), undefined, 'per repository');
    });

    it('the first conversion of a source and variant stays: later and concurrent puts get it back', async () => {
      const store = getStore();
      const repository = await fresh();
      const source = manifest(repository.id);
      await store.manifests.put(source, [], []);
      const racing = Array.from({ length: 8 }, () => conversion(repository.id, source.digest));
      const kept = await Promise.all(racing.map((c) => store.conversions.put(c)));
      assert.equal(new Set(kept.map((c) => c!.digest)).size, 1, 'every writer gets the same one');
      assert.deepEqual(await store.conversions.put(conversion(repository.id, source.digest)), kept[0]);
    });

    it('goes with its source manifest and its repository; none is kept for a source that is gone', async () => {
      const store = getStore();
      const repository = await fresh();
      const source = manifest(repository.id);
      await store.manifests.put(source, [], ['v1']);
      const kept = conversion(repository.id, source.digest);
      await store.conversions.put(kept);
      assert.ok(await store.manifests.delete(repository.id, source.digest));
      assert.equal(await store.conversions.byDigest(repository.id, kept.digest), undefined);
      assert.equal(await store.conversions.put(conversion(repository.id, source.digest)), undefined);

      const other = manifest(repository.id);
      await store.manifests.put(other, [], []);
      const second = conversion(repository.id, other.digest);
      await store.conversions.put(second);
      assert.ok(await store.repositories.delete(repository.id));
      assert.equal(await store.conversions.byDigest(repository.id, second.digest), undefined);
    });

    it('a manifest record keeps the digest of the blob holding its bytes when it differs', async () => {
      const store = getStore();
      const repository = await fresh();
      const signed = manifest(repository.id, {
        mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        contentDigest: freshDigest(),
      });
      await store.manifests.put(signed, [], ['old']);
      assert.deepEqual(await store.manifests.get(repository.id, signed.digest), signed);
      assert.deepEqual(await store.tags.resolve(repository.id, 'old'), signed);
    });
  });
}
