// The metadata suite's part for image scanning: a registry's configuration replaced, a scan
// asked for (the once-a-day limit), leased once, finished, evaluated again; advisories added,
// replaced and found by ecosystem and package; an image's scan and signing statuses deleted with
// it, whichever way it goes. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { freshAccount, freshRepository, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

const DAY = 24 * 3_600_000;
const digest = () => `sha256:${randomUUID().replaceAll('-', '').padEnd(64, '0')}`;

export function describeScanningMetadata(subject: () => MetadataStore): void {
  describe('scanning', () => {
    it("a registry's configuration is absent until put, then replaced", async () => {
      const store = subject();
      const account = freshAccount();
      assert.equal(await store.scanning.configuration(account), undefined);
      const first = {
        scanType: 'BASIC' as const,
        rules: [
          {
            scanFrequency: 'SCAN_ON_PUSH' as const,
            repositoryFilters: [{ filter: 'app*', filterType: 'WILDCARD' as const }],
          },
        ],
      };
      await store.scanning.putConfiguration(account, first, 1);
      assert.deepEqual(await store.scanning.configuration(account), first);
      await store.scanning.putConfiguration(account, { scanType: 'BASIC', rules: [] }, 2);
      assert.deepEqual(await store.scanning.configuration(account), { scanType: 'BASIC', rules: [] });
      assert.equal(await store.scanning.configuration(freshAccount()), undefined, 'per account');
    });

    it("a repository's scan-on-push flag is set and cleared (PutImageScanningConfiguration)", async () => {
      const store = subject();
      const repository = await freshRepository(store, `scan/r${randomUUID().slice(0, 8)}`);
      assert.equal(repository.scanOnPush, false);
      assert.equal((await store.repositories.setScanOnPush(repository.id, true))?.scanOnPush, true);
      assert.equal((await store.repositories.getById(repository.id))?.scanOnPush, true);
      assert.equal((await store.repositories.setScanOnPush(repository.id, false))?.scanOnPush, false);
      assert.equal(await store.repositories.setScanOnPush(randomUUID(), true), undefined);
    });

    it('a scan is leased once, finished by its holder only, and limited to one a day when asked so', async () => {
      const store = subject();
      const account = freshAccount();
      const image = digest();
      const asked = await store.scanning.request(account, 'repo', image, 1_000, DAY);
      assert.ok(asked !== 'limited');
      assert.equal(asked.status, 'IN_PROGRESS');
      assert.equal(await store.scanning.request(account, 'repo', image, 2_000, DAY), 'limited');
      const again = await store.scanning.request(account, 'repo', image, 2_000);
      assert.ok(again !== 'limited' && again.id === asked.id, 'a pending scan stays the one pending');
      // Claims take the oldest due scan; ours is found among whatever else the backend holds.
      let claimed: Awaited<ReturnType<typeof store.scanning.claim>>;
      const now = Date.now() + 10 * DAY;
      for (;;) {
        claimed = await store.scanning.claim('node-a', now, now + 60_000);
        assert.ok(claimed, 'our scan is claimed in the end');
        if (claimed.id === asked.id) break;
      }
      assert.equal(await store.scanning.finish(asked.id, 'node-b', 3_000, result()), false, 'not the holder');
      assert.equal(await store.scanning.finish(asked.id, 'node-a', 3_000, result()), true);
      const done = await store.scanning.get(account, 'repo', image);
      assert.equal(done?.status, 'COMPLETE');
      assert.deepEqual(
        done?.findings.map((f) => f.name),
        ['CVE-1'],
      );
      assert.equal(done?.sbomDigest, 'sha256:sbom');
      assert.deepEqual(
        (await store.scanning.many(account, 'repo', [image, digest()])).map((s) => s.id),
        [asked.id],
      );
      await store.scanning.updateFindings(asked.id, [], 4_000);
      const updated = await store.scanning.get(account, 'repo', image);
      assert.deepEqual(updated?.findings, []);
      assert.equal(updated?.advisoriesAt, 4_000);
      const again2 = await store.scanning.request(account, 'repo', image, 3_000 + DAY, DAY);
      assert.ok(again2 !== 'limited' && again2.status === 'IN_PROGRESS', 'a day later it may scan again');
    });

    it('finished scans that kept their inventory are listed in pages for evaluation', async () => {
      const store = subject();
      const seen = new Set<string>();
      for (let after: string | undefined, page = await store.scanning.completed(undefined, 2); page.length > 0; ) {
        for (const s of page) {
          assert.ok(!seen.has(s.id));
          assert.equal(s.status, 'COMPLETE');
          assert.ok(s.inventory !== null);
          seen.add(s.id);
        }
        after = page[page.length - 1]?.id;
        page = await store.scanning.completed(after, 2);
      }
    });

    it('advisories are replaced by id, ecosystem and package, and found by package', async () => {
      const store = subject();
      const name = `pkg-${randomUUID()}`;
      const before = (await store.scanning.advisoriesImportedAt()) ?? 0;
      await store.scanning.putAdvisories(
        [
          { id: 'OSV-1', ecosystem: 'npm', packageName: name, modified: '2024-01-01T00:00:00Z', record: '{"v":1}' },
          { id: 'OSV-2', ecosystem: 'npm', packageName: name, modified: '2024-01-01T00:00:00Z', record: '{"v":2}' },
          { id: 'OSV-1', ecosystem: 'PyPI', packageName: name, modified: '2024-01-01T00:00:00Z', record: '{"v":3}' },
        ],
        before + 10,
      );
      await store.scanning.putAdvisories(
        [{ id: 'OSV-1', ecosystem: 'npm', packageName: name, modified: '2024-02-01T00:00:00Z', record: '{"v":4}' }],
        before + 20,
      );
      const found = (await store.scanning.advisories('npm', [name, 'other'])).sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(
        found.map((a) => [a.id, a.record, a.modified]),
        [
          ['OSV-1', '{"v":4}', '2024-02-01T00:00:00Z'],
          ['OSV-2', '{"v":2}', '2024-01-01T00:00:00Z'],
        ],
      );
      assert.equal(await store.scanning.advisoriesImportedAt(), before + 20);
    });
    it("an image's scan and signing statuses go with it: deleted, collected untagged, or its repository deleted", async () => {
      const store = subject();
      const name = `scan/gone${randomUUID().slice(0, 8)}`;
      const repository = await freshRepository(store, name);
      const image = async (tags: string[]) => {
        const record = manifest(repository.id, { createdAt: Date.now() - 60_000 });
        await store.manifests.put(record, [], tags);
        assert.ok((await store.scanning.request(repository.accountId, name, record.digest, Date.now())) !== 'limited');
        await store.signing.putStatuses([
          {
            accountId: repository.accountId,
            repositoryId: repository.id,
            repositoryName: name,
            digest: record.digest,
            signingProfileArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/p',
            keyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
            status: 'COMPLETE',
            failureCode: null,
            failureReason: null,
            signatureDigest: null,
            updatedAt: Date.now(),
          },
        ]);
        return record.digest;
      };
      const recorded = async (digest: string) => ({
        scan: (await store.scanning.get(repository.accountId, name, digest)) !== undefined,
        signing: (await store.signing.statuses(repository.id, digest)).length > 0,
      });
      const deleted = await image(['v1']);
      const untagged = await image([]);
      const kept = await image(['v2']);
      const left = await image(['v3']);
      assert.deepEqual(await recorded(deleted), { scan: true, signing: true });
      assert.equal(await store.manifests.delete(repository.id, deleted), true);
      assert.deepEqual(
        await recorded(deleted),
        { scan: false, signing: false },
        'deleted (BatchDeleteImage, /v2 DELETE)',
      );
      assert.equal(await store.gc.deleteUntagged({ repositoryId: repository.id, digest: untagged }, Date.now()), true);
      assert.deepEqual(await recorded(untagged), { scan: false, signing: false }, 'collected untagged');
      assert.deepEqual(await recorded(kept), { scan: true, signing: true }, 'the others stay');
      await store.signing.putRequirement({
        accountId: repository.accountId,
        repositoryId: repository.id,
        keyArns: ['arn:aws:kms:us-east-1:123456789012:key/k'],
        updatedAt: Date.now(),
      });
      assert.equal(await store.repositories.delete(repository.id, { ifEmpty: true }), false);
      assert.deepEqual(
        await recorded(left),
        { scan: true, signing: true },
        'a refused delete of a non-empty repository keeps them',
      );
      assert.equal(await store.repositories.delete(repository.id), true);
      for (const digest of [kept, left])
        assert.deepEqual(await recorded(digest), { scan: false, signing: false }, 'its repository deleted');
      assert.equal(await store.signing.requirement(repository.id), undefined);
      const again = await store.repositories.ensure(repository.accountId, name);
      assert.equal(
        await store.scanning.get(again.accountId, name, kept),
        undefined,
        'a new repository of the name inherits nothing',
      );
    });
  });
}

function result() {
  return {
    status: 'COMPLETE' as const,
    description: 'The scan was completed successfully.',
    inventory: '{"packages":[]}',
    findings: [{ name: 'CVE-1', uri: 'https://example.com', severity: 'HIGH' as const, attributes: [] }],
    advisoriesAt: 2_000,
    sbomDigest: 'sha256:sbom',
  };
}
