// The metadata suite's part for replication: a registry's rules replaced and removed, and the
// outbox: tasks leased once, retried with their reason kept, finished, and the newest task per
// destination reported. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ReplicationRule } from '../domain/records/replication.js';
import { freshAccount, freshRepository, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

export function describeReplicationMetadata(subject: () => MetadataStore): void {
  describe('replication', () => {
    it('a registry has no rules until it puts some; a put replaces them and an empty list removes them', async () => {
      const store = subject();
      const account = freshAccount();
      assert.deepEqual(await store.replication.rules(account), []);
      const rules: ReplicationRule[] = [
        {
          destinations: [{ region: 'eu-west-1', registryId: '111111111111' }],
          repositoryFilters: [{ filter: 'prod', filterType: 'PREFIX_MATCH' }],
        },
        { destinations: [{ region: 'us-east-1', registryId: account }] },
      ];
      await store.replication.putRules(account, rules, 1_000);
      assert.deepEqual(await store.replication.rules(account), rules);
      assert.deepEqual(await store.replication.rules(freshAccount()), [], 'per account');
      const second = rules[1];
      assert.ok(second);
      await store.replication.putRules(account, [second], 2_000);
      assert.deepEqual(await store.replication.rules(account), [second]);
      await store.replication.putRules(account, [], 3_000);
      assert.deepEqual(await store.replication.rules(account), []);
    });

    it('a task is leased by one node at a time, retried with its reason, finished, and reported newest first per destination', async () => {
      const store = subject();
      const account = freshAccount();
      const repo = `r-${randomUUID().slice(0, 8)}`;
      const digest = `sha256:${randomUUID().replaceAll('-', '').padEnd(64, '0')}`;
      const east = { region: 'us-east-1', registryId: '222222222222' };
      const west = { region: 'eu-west-1', registryId: '222222222222' };
      // A far-future clock keeps other tests' due tasks out of this one's claims.
      const now = 9_000_000_000_000 + Math.floor(Math.random() * 1_000_000);
      const [a, b] = await store.replication.enqueue(
        [
          { accountId: account, repositoryName: repo, digest, tags: ['v1'], destination: east },
          { accountId: account, repositoryName: repo, digest, tags: ['v1'], destination: west },
        ],
        now,
      );
      assert.ok(a && b);
      assert.equal(a.status, 'IN_PROGRESS');
      assert.deepEqual(a.tags, ['v1']);
      const statuses = await store.replication.statuses(account, repo, digest);
      assert.deepEqual(
        statuses.map((t) => [t.destination.region, t.status]),
        [
          ['eu-west-1', 'IN_PROGRESS'],
          ['us-east-1', 'IN_PROGRESS'],
        ],
      );

      // Claim every due task this test's clock sees; ours are among them, each once.
      const claimed = new Map<string, string>();
      for (;;) {
        const task = await store.replication.claim('node-a', now, now + 60_000);
        if (!task) break;
        claimed.set(task.id, 'node-a');
      }
      assert.ok(claimed.has(a.id) && claimed.has(b.id));
      assert.equal(await store.replication.claim('node-b', now + 1, now + 60_000), undefined, 'leased');

      // The holder extends its lease; another node cannot.
      assert.equal(await store.replication.renew(a.id, 'node-a', now + 120_000), true);
      assert.equal(await store.replication.renew(a.id, 'node-b', now + 120_000), false);
      // Another node cannot finish what it does not hold.
      await store.replication.finish(a.id, 'node-b', now + 2, null);
      await store.replication.finish(a.id, 'node-a', now + 2, null);
      await store.replication.retry(b.id, 'node-a', now + 2, now + 5_000, 'connection refused');
      let after = await store.replication.statuses(account, repo, digest);
      const eastNow = after.find((t) => t.destination.region === 'us-east-1');
      const westNow = after.find((t) => t.destination.region === 'eu-west-1');
      assert.equal(eastNow?.status, 'COMPLETE');
      assert.equal(westNow?.status, 'IN_PROGRESS');
      assert.equal(westNow?.failureCode, 'connection refused');
      assert.equal(westNow?.attempts, 1);

      assert.equal(await store.replication.claim('node-b', now + 10, now + 60_000), undefined, 'not due yet');
      const again = await store.replication.claim('node-b', now + 5_000, now + 65_000);
      assert.equal(again?.id, b.id);
      await store.replication.finish(b.id, 'node-b', now + 5_001, 'REPLICATION_DENIED');
      after = await store.replication.statuses(account, repo, digest);
      assert.equal(after.find((t) => t.destination.region === 'eu-west-1')?.status, 'FAILED');
      assert.equal(
        await store.replication.claim('node-c', now + 10_000, now + 70_000),
        undefined,
        'finished tasks stay',
      );

      // A later push of the image is the newest task for its destination.
      await store.replication.enqueue(
        [{ accountId: account, repositoryName: repo, digest, tags: ['v2'], destination: west }],
        now + 20_000,
      );
      after = await store.replication.statuses(account, repo, digest);
      assert.equal(after.find((t) => t.destination.region === 'eu-west-1')?.status, 'IN_PROGRESS');
      assert.equal(after.length, 2);
    });

    it("a manifest's put adds the push's replications in its transaction, and a refused put adds none", async () => {
      const store = subject();
      const repository = await freshRepository(store, `r-${randomUUID().slice(0, 8)}`);
      const destination = { region: 'eu-west-1', registryId: '333333333333' };
      const task = (digest: string) => ({
        accountId: repository.accountId,
        repositoryName: repository.name,
        digest,
        tags: ['v1'],
        destination,
      });
      const first = manifest(repository.id);
      assert.deepEqual(await store.manifests.put(first, [], ['v1'], ['v1'], undefined, [task(first.digest)]), {
        stored: true,
      });
      const statuses = await store.replication.statuses(repository.accountId, repository.name, first.digest);
      assert.deepEqual(
        statuses.map((t) => [t.destination.region, t.status, t.tags]),
        [['eu-west-1', 'IN_PROGRESS', ['v1']]],
      );
      // v1 is immutable and taken: nothing is stored, its replication neither.
      const second = manifest(repository.id);
      const refused = await store.manifests.put(second, [], ['v1'], ['v1'], undefined, [task(second.digest)]);
      assert.equal(refused.stored, false);
      assert.deepEqual(await store.replication.statuses(repository.accountId, repository.name, second.digest), []);
    });
  });
}
