// The metadata suite's part for replication: a registry's rules replaced and removed, and the
// outbox: tasks leased once, retried with their reason kept, finished, and the newest task per
// destination reported; a tag's tasks claimed in push order, and a resume point kept in the row.
// Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ReplicationRule, ReplicationTask } from '../domain/records/replication.js';
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

    it('a task waits for the older ones in progress that move one of its tags; its holder keeps a resume point in its row', async () => {
      const store = subject();
      const account = freshAccount();
      const repo = `r-${randomUUID().slice(0, 8)}`;
      const digest = () => `sha256:${randomUUID().replaceAll('-', '').padEnd(64, '0')}`;
      const west = { region: 'eu-west-1', registryId: '444444444444' };
      const now = 9_500_000_000_000 + Math.floor(Math.random() * 1_000_000);
      const push = async (tags: string[], at: number, destination = west) => {
        const [task] = await store.replication.enqueue(
          [{ accountId: account, repositoryName: repo, digest: digest(), tags, destination }],
          at,
        );
        assert.ok(task);
        return task;
      };
      const first = await push(['latest', 'v1'], now);
      const second = await push(['latest'], now + 1);
      const other = await push(['v2'], now + 2);
      const untagged = await push([], now + 3);
      const elsewhere = await push(['latest'], now + 4, { region: 'us-west-2', registryId: '444444444444' });
      const claimAll = async (node: string, at: number) => {
        const out = new Map<string, ReplicationTask>();
        for (;;) {
          const task = await store.replication.claim(node, at, at + 60_000);
          if (!task) return out;
          out.set(task.id, task);
        }
      };
      const round1 = await claimAll('node-a', now + 10);
      for (const t of [first, other, untagged, elsewhere]) assert.ok(round1.has(t.id), `${t.tags} is claimed`);
      assert.equal(round1.has(second.id), false, 'latest waits for the older push that moves it');

      const resume = {
        digest: first.digest,
        location: 'https://peer.example/v2/x/blobs/uploads/1',
        offset: 33_554_432,
      };
      await store.replication.saveResume(first.id, 'node-b', resume);
      assert.equal(round1.get(first.id)?.resume, null);
      await store.replication.saveResume(first.id, 'node-a', resume);
      await store.replication.retry(first.id, 'node-a', now + 11, now + 12, 'connection reset');
      // The older one is retrying, still in progress: the younger one still waits.
      const round2 = await claimAll('node-c', now + 70_100);
      assert.equal(round2.has(second.id), false);
      assert.deepEqual(round2.get(first.id)?.resume, resume, 'the next holder reads where the transfer stood');
      await store.replication.finish(first.id, 'node-c', now + 70_200, null);
      const round3 = await claimAll('node-d', now + 70_300);
      assert.ok(round3.has(second.id), 'the older one finished: latest moves on');
      const [done] = await store.replication.statuses(account, repo, first.digest);
      assert.equal(done?.status, 'COMPLETE');
      assert.equal(done?.resume, null, 'a finished task keeps no resume point');
    });
  });
}
