// The shared metadata suite's part for metering (MeteringIndex): transfer counts added to each
// node's row and summed over nodes on read; the blob links a storage sample is computed from
// (shared blobs, archived images); image and tag counts; samples stored once per time and read
// by range and as of a time; the last pull. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageSample, TransferCount } from '../domain/records/metering.js';
import { freshAccount, freshDigest, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

const HOUR = 3_600_000;

function count(accountId: string, repositoryId: string, overrides: Partial<TransferCount> = {}): TransferCount {
  return {
    node: 'node-a',
    hour: 100 * HOUR,
    accountId,
    repositoryId,
    repositoryName: 'team/app',
    listener: 'main',
    endpoint: 'public-network',
    principal: 'anonymous',
    bytes: 1000,
    requests: 1,
    ...overrides,
  };
}

function sample(accountId: string, repositoryId: string, sampledAt: number, bytes: number): StorageSample {
  return {
    sampledAt,
    accountId,
    repositoryId,
    repositoryName: 'team/app',
    physicalBytes: bytes,
    sharedBytes: 0,
    attributedBytes: bytes,
    archiveBytes: 0,
    imageCount: 1,
    tagCount: 1,
  };
}

export function describeMeteringMetadata(getStore: () => MetadataStore): void {
  describe('metering', () => {
    it("adds each node's counts to its own rows and sums the nodes on read, by range, registry and repository", async () => {
      const store = getStore();
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'team/app');
      const other = await store.repositories.ensure(account, 'team/other');
      await store.metering.addTransfer([count(account, repository.id), count(account, other.id, { bytes: 5 })]);
      // The same series again from the same node, and from another node.
      await store.metering.addTransfer([count(account, repository.id, { bytes: 2_000_000_000_000, requests: 2 })]);
      await store.metering.addTransfer([count(account, repository.id, { node: 'node-b', bytes: 500 })]);
      // Another series: a signed caller, and another hour.
      await store.metering.addTransfer([
        count(account, repository.id, { principal: 'arn:aws:iam::123456789012:root', bytes: 7 }),
        count(account, repository.id, { hour: 101 * HOUR, bytes: 9 }),
      ]);
      const rows = await store.metering.transfer({
        from: 100 * HOUR,
        to: 101 * HOUR,
        accountIds: [account],
        repositoryId: repository.id,
      });
      const anonymous = rows.find((r) => r.principal === 'anonymous')!;
      assert.equal(anonymous.bytes, 2_000_000_001_500, 'bigints survive, summed over nodes');
      assert.equal(anonymous.requests, 4);
      assert.equal(anonymous.node, '');
      assert.equal(rows.find((r) => r.principal.startsWith('arn:'))?.bytes, 7);
      assert.equal(rows.length, 2, 'the next hour is outside the range');
      const all = await store.metering.transfer({ from: 0, to: 200 * HOUR, accountIds: [account] });
      assert.equal(
        all.reduce((n, r) => n + r.bytes, 0),
        2_000_000_001_500 + 5 + 7 + 9,
      );
      assert.deepEqual(await store.metering.transfer({ from: 0, to: 200 * HOUR, accountIds: [freshAccount()] }), []);
      assert.deepEqual(await store.metering.transfer({ from: 0, to: 200 * HOUR, accountIds: [] }), []);
    });

    it('lists blob links with the images that use them, and image and tag counts', async () => {
      const store = getStore();
      const account = freshAccount();
      const app = await store.repositories.ensure(account, 'team/app');
      const other = await store.repositories.ensure(account, 'team/other');
      await store.repositories.ensure(account, 'team/empty');
      const [shared, own, archivedOnly, loose] = [freshDigest(), freshDigest(), freshDigest(), freshDigest()];
      await store.blobs.link(app.id, shared, 300);
      await store.blobs.link(other.id, shared, 300);
      await store.blobs.link(app.id, own, 100);
      await store.blobs.link(app.id, archivedOnly, 50);
      await store.blobs.link(app.id, loose, 7);
      const active = manifest(app.id);
      const archived = manifest(app.id);
      await store.manifests.put(active, [shared, own], ['v1', 'latest']);
      await store.manifests.put(archived, [own, archivedOnly], ['old']);
      assert.equal(await store.archive.transition(app.id, archived.digest, 'ACTIVE', 'ARCHIVED', 1000), true);

      const links = await store.metering.blobLinks(account);
      const of = (repositoryId: string, digest: string) =>
        links.find((l) => l.repositoryId === repositoryId && l.digest === digest);
      assert.equal(links.length, 5);
      assert.deepEqual(of(app.id, shared), {
        repositoryId: app.id,
        repositoryName: 'team/app',
        digest: shared,
        size: 300,
        activeRefs: 1,
        archivedRefs: 0,
      });
      assert.equal(of(other.id, shared)?.activeRefs, 0, 'no image of team/other uses it');
      assert.deepEqual([of(app.id, own)?.activeRefs, of(app.id, own)?.archivedRefs], [1, 1]);
      assert.deepEqual([of(app.id, archivedOnly)?.activeRefs, of(app.id, archivedOnly)?.archivedRefs], [0, 1]);
      assert.deepEqual([of(app.id, loose)?.activeRefs, of(app.id, loose)?.archivedRefs], [0, 0]);
      assert.deepEqual(await store.metering.blobLinks(freshAccount()), []);

      const counts = await store.metering.repositoryCounts(account);
      assert.deepEqual(counts.map((c) => [c.repositoryName, c.images, c.tags]).sort(), [
        ['team/app', 2, 3],
        ['team/empty', 0, 0],
        ['team/other', 0, 0],
      ]);
      assert.ok((await store.metering.registryKeys()).includes(account));

      assert.equal(await store.metering.lastPull(app.id), undefined);
      await store.images.recordPull(app.id, active.digest, 1_900_000_000_000);
      assert.equal(await store.metering.lastPull(app.id), 1_900_000_000_000);
    });

    it('stores a sample once per repository and time, reads a range and the value in force before a time', async () => {
      const store = getStore();
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'team/app');
      await store.metering.addStorageSamples([sample(account, repository.id, 1000, 10)]);
      await store.metering.addStorageSamples([sample(account, repository.id, 1000, 99)]);
      await store.metering.addStorageSamples([
        sample(account, repository.id, 2000, 20),
        sample(account, repository.id, 3000, 3_000_000_000_000),
      ]);
      assert.deepEqual(
        (await store.metering.storageSamples({ from: 1000, to: 3000, accountIds: [account] })).map((s) => [
          s.sampledAt,
          s.attributedBytes,
        ]),
        [
          [1000, 10],
          [2000, 20],
        ],
      );
      assert.deepEqual(await store.metering.storageSamples({ from: 1000, to: 3000, accountIds: [] }), []);
      const before = await store.metering.samplesBefore(2500, [account]);
      assert.deepEqual(before, [sample(account, repository.id, 2000, 20)]);
      assert.equal((await store.metering.samplesBefore(4000, [account]))[0]?.attributedBytes, 3_000_000_000_000);
      assert.deepEqual(await store.metering.samplesBefore(1000, [account]), []);
    });

    it('deletes counts and samples older than a time (the retention), and keeps the newer', async () => {
      const store = getStore();
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'team/app');
      // Times before every other case's (their samples start at 1000, their counts at hour 100).
      await store.metering.addTransfer([
        count(account, repository.id, { hour: 0 }),
        count(account, repository.id, { hour: 600 }),
      ]);
      await store.metering.addStorageSamples([
        sample(account, repository.id, 100, 1),
        sample(account, repository.id, 700, 2),
      ]);
      const deleted = await store.metering.deleteBefore(500);
      assert.ok(deleted.transfer >= 1 && deleted.storage >= 1, JSON.stringify(deleted));
      const range = { from: 0, to: 1000, accountIds: [account] };
      assert.deepEqual(
        (await store.metering.transfer(range)).map((c) => c.hour),
        [600],
      );
      assert.deepEqual(
        (await store.metering.storageSamples(range)).map((s) => s.sampledAt),
        [700],
      );
    });
  });
}
