// The shared metadata suite's part for upload sessions (UploadIndex) and the registry's settings
// (SettingsIndex): create, touch, verify and delete; stale listings; set-if-absent under races.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { freshRepository } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

export function runUploadIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('uploads', () => {
    it('creates, gets, touches and deletes an upload', async () => {
      const repository = await freshRepository(store);
      const upload = {
        id: randomUUID(),
        repositoryId: repository.id,
        createdAt: Date.now() - 5000,
        updatedAt: Date.now() - 5000,
      };
      assert.equal(await store.uploads.get(upload.id), undefined);
      await store.uploads.create(upload);
      assert.deepEqual(await store.uploads.get(upload.id), { ...upload, verifiedDigest: null, dataKey: null });
      const later = Date.now();
      await store.uploads.touch(upload.id, later);
      assert.deepEqual(await store.uploads.get(upload.id), {
        ...upload,
        updatedAt: later,
        verifiedDigest: null,
        dataKey: null,
      });
      const digest = `sha256:${'a'.repeat(64)}`;
      await store.uploads.markVerified(upload.id, digest);
      assert.deepEqual(await store.uploads.get(upload.id), {
        ...upload,
        updatedAt: later,
        verifiedDigest: digest,
        dataKey: null,
      });
      assert.equal(await store.uploads.delete(upload.id), true);
      assert.equal(await store.uploads.get(upload.id), undefined);
      assert.equal(await store.uploads.delete(upload.id), false);
    });

    it('leases an upload to one holder at a time until it is released or runs out', async () => {
      const repository = await freshRepository(store);
      const upload = { id: randomUUID(), repositoryId: repository.id, createdAt: Date.now(), updatedAt: Date.now() };
      await store.uploads.create(upload);
      const now = Date.now();
      assert.equal(await store.uploads.lease(upload.id, 'a', now, now + 1000), true);
      assert.equal(await store.uploads.lease(upload.id, 'b', now, now + 1000), false, 'held by a');
      assert.equal(await store.uploads.lease(upload.id, 'a', now + 10, now + 2000), true, 'a renews');
      assert.equal(await store.uploads.lease(upload.id, 'b', now + 1500, now + 3000), false, 'the renewal still runs');
      assert.equal(await store.uploads.lease(upload.id, 'b', now + 2001, now + 3000), true, 'run out: b takes it');
      await store.uploads.release(upload.id, 'a');
      assert.equal(
        await store.uploads.lease(upload.id, 'c', now + 2002, now + 3000),
        false,
        'a cannot release what b holds',
      );
      await store.uploads.release(upload.id, 'b');
      assert.equal(await store.uploads.lease(upload.id, 'c', now + 2002, now + 3000), true, 'released');
      assert.equal(await store.uploads.lease(upload.id, 'node-x/1', now + 2003, now + 9000), false, 'held by c');
      await store.uploads.release(upload.id, 'c');
      assert.equal(await store.uploads.lease(upload.id, 'node-x/1', now + 2003, now + 9000), true);
      assert.equal(await store.uploads.releaseHeldBy('node-y/'), 0, "another node's start leaves it");
      assert.equal(await store.uploads.lease(upload.id, 'node-x/2', now + 2004, now + 9000), false);
      assert.equal(await store.uploads.releaseHeldBy('node-x/'), 1, 'its node started again');
      assert.equal(await store.uploads.lease(upload.id, 'node-x/2', now + 2004, now + 9000), true);
      await store.uploads.delete(upload.id);
      assert.equal(await store.uploads.lease(upload.id, 'c', now, now + 1000), false, 'gone');
    });

    it('records ECR layer parts: the first part but the last under the minimum, also past 4 GiB', async () => {
      const repository = await freshRepository(store);
      const part = async (starts: number[]) => {
        const upload = { id: randomUUID(), repositoryId: repository.id, createdAt: Date.now(), updatedAt: Date.now() };
        await store.uploads.create(upload);
        for (const start of starts) await store.uploads.recordPart(upload.id, start, 100);
        return store.uploads.shortPart(upload.id);
      };
      assert.equal(await part([]), undefined);
      assert.equal(await part([0]), undefined, 'a single part is the last');
      assert.equal(await part([0, 100, 250]), undefined);
      assert.equal(await part([0, 99]), 99);
      assert.equal(await part([0, 100, 150, 170]), 50, 'the first short part is kept');
      const big = 5 * 1024 ** 3;
      assert.equal(await part([0, big, big + 30, big + 500]), 30);
    });

    it('refuses a second upload with the same id', async () => {
      const repository = await freshRepository(store);
      const upload = { id: randomUUID(), repositoryId: repository.id, createdAt: Date.now(), updatedAt: Date.now() };
      await store.uploads.create(upload);
      await assert.rejects(store.uploads.create({ ...upload, createdAt: 1, updatedAt: 1 }));
      assert.deepEqual(await store.uploads.get(upload.id), { ...upload, verifiedDigest: null, dataKey: null });
      await store.uploads.delete(upload.id);
    });

    it('lists stale uploads oldest first, up to a limit', async () => {
      // Times far in the past, so uploads of other tests (made now) are never stale here.
      const first = await freshRepository(store);
      const second = await freshRepository(store);
      const at = (t: number, repositoryId: string) => ({ id: randomUUID(), repositoryId, createdAt: 1, updatedAt: t });
      const uploads = [at(300, first.id), at(100, second.id), at(400, first.id), at(200, first.id), at(500, second.id)];
      for (const u of uploads) await store.uploads.create(u);
      const ids = (list: { id: string }[]) => list.map((u) => u.id);
      const byAge = [...uploads].sort((a, b) => a.updatedAt - b.updatedAt);
      assert.deepEqual(
        await store.uploads.stale(350, 100),
        byAge.slice(0, 3).map((u) => ({ ...u, verifiedDigest: null, dataKey: null })),
        'whole uploads, oldest first, across repositories',
      );
      assert.deepEqual(ids(await store.uploads.stale(350, 2)), ids(byAge.slice(0, 2)));
      assert.deepEqual(await store.uploads.stale(100, 100), [], 'strictly before');
      // Touching an upload makes it fresh again.
      await store.uploads.touch(byAge[0]!.id, Date.now());
      assert.deepEqual(ids(await store.uploads.stale(350, 100)), ids(byAge.slice(1, 3)));
      for (const u of uploads) await store.uploads.delete(u.id);
      assert.deepEqual(await store.uploads.stale(1000, 100), []);
    });
  });
}

export function runSettingsIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
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
}
