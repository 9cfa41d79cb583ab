// The metadata suite's part for the events every change writes in its own transaction (issue 24):
// a manifest's put (a push, or an image the pull-through cache stores), a tag's, a manifest's and
// a trash discard's deletion, a repository's creation and deletion, a replication's completion and
// a scan's finish each write the outbox rows passed to them when the change commits, and none
// when it changes nothing (no such tag, name taken, not empty, lease lost) or when its
// transaction fails (a row that cannot be written rolls the change back with it). Run by
// store-suite-events.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { RepositorySettings } from '../domain/records/repositories.js';
import { freshAccount, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

const delivery = (accountId: string): EventDeliveryInput => ({
  eventId: randomUUID(),
  accountId,
  ruleName: 'r',
  targetId: 't',
  event: JSON.stringify({ 'detail-type': 'ECR Image Action' }),
});

/** A row the outbox refuses (its event is NOT NULL): the injected failure of a change's transaction. */
const unwritable = (accountId: string): EventDeliveryInput => ({
  ...delivery(accountId),
  event: null as unknown as string,
});

const settings: RepositorySettings = {
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  scanOnPush: false,
  encryptionType: 'AES256',
  kmsKey: null,
};

export function describeEventChangeMetadata(subject: () => MetadataStore): void {
  describe("events written in their change's transaction", () => {
    /** The event ids of the account's outbox rows (each test has its own account; no worker sends them here). */
    const outbox = async (store: MetadataStore, account: string) =>
      (await store.events.deliveries('PENDING', account)).map((d) => d.eventId);

    /** A repository in a new account holding one manifest tagged v1 and v2. */
    const image = async (store: MetadataStore) => {
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'events/changes');
      const record = manifest(repository.id);
      assert.deepEqual(await store.manifests.put(record, [], ['v1', 'v2']), { stored: true });
      return { account, repository, digest: record.digest };
    };

    it('a manifest put (a push, an image the pull-through cache stores): its rows when it stores; none when it fails', async () => {
      const store = subject();
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'events/cached');
      const record = manifest(repository.id);
      const put = (events: EventDeliveryInput[]) => store.manifests.put(record, [], ['v1'], [], undefined, [], events);
      await assert.rejects(put([delivery(account), unwritable(account)]));
      assert.equal(await store.manifests.get(repository.id, record.digest), undefined, 'rolled back with its events');
      assert.equal(await store.tags.resolve(repository.id, 'v1'), undefined);
      assert.deepEqual(await outbox(store, account), []);
      const events = [delivery(account), delivery(account)];
      assert.deepEqual(await put(events), { stored: true });
      assert.equal((await store.tags.resolve(repository.id, 'v1'))?.digest, record.digest);
      assert.deepEqual((await outbox(store, account)).sort(), events.map((e) => e.eventId).sort());
    });

    it('a tag deletion: its rows when it deletes; none without the tag, none when its transaction fails', async () => {
      const store = subject();
      const { account, repository, digest } = await image(store);
      assert.equal(await store.tags.delete(repository.id, 'missing', [delivery(account)]), false);
      assert.deepEqual(await outbox(store, account), [], 'no tag, no event');
      await assert.rejects(store.tags.delete(repository.id, 'v1', [unwritable(account)]));
      assert.equal((await store.tags.resolve(repository.id, 'v1'))?.digest, digest, 'rolled back with its event');
      const event = delivery(account);
      assert.equal(await store.tags.delete(repository.id, 'v1', [event]), true);
      assert.equal(await store.tags.resolve(repository.id, 'v1'), undefined);
      assert.deepEqual(await outbox(store, account), [event.eventId]);
    });

    it('a manifest deletion: its rows (one per tag) when it deletes; none without the manifest or when it fails', async () => {
      const store = subject();
      const { account, repository, digest } = await image(store);
      assert.equal(
        await store.manifests.delete(repository.id, manifest(repository.id).digest, [delivery(account)]),
        false,
      );
      await assert.rejects(store.manifests.delete(repository.id, digest, [delivery(account), unwritable(account)]));
      assert.ok(await store.manifests.get(repository.id, digest), 'rolled back with its events');
      assert.deepEqual(await outbox(store, account), []);
      const events = [delivery(account), delivery(account)];
      assert.equal(await store.manifests.delete(repository.id, digest, events), true);
      assert.equal(await store.manifests.get(repository.id, digest), undefined);
      assert.deepEqual((await outbox(store, account)).sort(), events.map((e) => e.eventId).sort());
    });

    it('a discard into the trash: its rows when it discards; none without the manifest or when it fails', async () => {
      const store = subject();
      const { account, repository, digest } = await image(store);
      const missing = manifest(repository.id).digest;
      assert.equal(
        await store.trash.discard(repository.id, missing, 'arn:who', Date.now(), [delivery(account)]),
        false,
      );
      await assert.rejects(store.trash.discard(repository.id, digest, 'arn:who', Date.now(), [unwritable(account)]));
      assert.ok(await store.manifests.get(repository.id, digest), 'rolled back with its event');
      assert.equal(await store.trash.get(repository.id, digest), undefined, 'nothing in the trash');
      assert.deepEqual(await outbox(store, account), []);
      const event = delivery(account);
      assert.equal(await store.trash.discard(repository.id, digest, 'arn:who', Date.now(), [event]), true);
      assert.deepEqual((await store.trash.get(repository.id, digest))?.tags.sort(), ['v1', 'v2']);
      assert.deepEqual(await outbox(store, account), [event.eventId]);
    });

    it('a repository creation: its rows when it creates; none when the name is taken or it fails', async () => {
      const store = subject();
      const account = freshAccount();
      await assert.rejects(store.repositories.create(account, 'made', settings, undefined, [unwritable(account)]));
      assert.equal(await store.repositories.get(account, 'made'), undefined, 'rolled back with its event');
      const event = delivery(account);
      assert.ok(await store.repositories.create(account, 'made', settings, undefined, [event]));
      assert.equal(
        await store.repositories.create(account, 'made', settings, undefined, [delivery(account)]),
        undefined,
      );
      assert.deepEqual(await outbox(store, account), [event.eventId], 'only the creation that created');
    });

    it('a repository deletion: its rows when it deletes; none when not empty, gone, or when it fails', async () => {
      const store = subject();
      const { account, repository } = await image(store);
      assert.equal(
        await store.repositories.delete(repository.id, { ifEmpty: true, events: [delivery(account)] }),
        false,
      );
      await assert.rejects(store.repositories.delete(repository.id, { events: [unwritable(account)] }));
      assert.ok(await store.repositories.getById(repository.id), 'rolled back with its event');
      assert.deepEqual(await outbox(store, account), []);
      const event = delivery(account);
      assert.equal(await store.repositories.delete(repository.id, { events: [event] }), true);
      assert.equal(await store.repositories.delete(repository.id, { events: [delivery(account)] }), false);
      assert.deepEqual(await outbox(store, account), [event.eventId]);
    });

    it("a replication's completion: its rows when its holder finishes it; none for another node or when it fails", async () => {
      const store = subject();
      const account = freshAccount();
      const destination = freshAccount();
      // A clock of its own, past every other test's tasks: what it claims before its own is finished.
      const now = 9_200_000_000_000 + Math.floor(Math.random() * 1_000_000);
      const [task] = await store.replication.enqueue(
        [
          {
            accountId: account,
            repositoryName: 'events/replicated',
            digest: manifest('x').digest,
            tags: ['v1'],
            destination: { region: 'us-east-1', registryId: destination },
          },
        ],
        now,
      );
      assert.ok(task);
      for (;;) {
        const claimed = await store.replication.claim('node-a', now, now + 60_000);
        assert.ok(claimed, 'the task is claimed');
        if (claimed.id === task.id) break;
        await store.replication.finish(claimed.id, 'node-a', now, null);
      }
      assert.equal(await store.replication.finish(task.id, 'node-b', now + 1, null, [delivery(destination)]), false);
      await assert.rejects(store.replication.finish(task.id, 'node-a', now + 1, null, [unwritable(destination)]));
      const [held] = await store.replication.statuses(account, 'events/replicated', task.digest);
      assert.equal(held?.status, 'IN_PROGRESS', 'rolled back with its event');
      assert.deepEqual(await outbox(store, destination), []);
      const event = delivery(destination);
      assert.equal(await store.replication.finish(task.id, 'node-a', now + 1, null, [event]), true);
      const [done] = await store.replication.statuses(account, 'events/replicated', task.digest);
      assert.equal(done?.status, 'COMPLETE');
      assert.deepEqual(await outbox(store, destination), [event.eventId]);
    });

    it("a scan's finish: its rows when its holder finishes it; none for another node or when it fails", async () => {
      const store = subject();
      const account = freshAccount();
      const asked = await store.scanning.request(account, 'events/scanned', manifest('x').digest, Date.now());
      assert.ok(asked !== 'limited');
      // A clock of its own, past every other test's scans: ours is claimed among whatever else is due.
      const now = 9_300_000_000_000 + Math.floor(Math.random() * 1_000_000);
      for (;;) {
        const claimed = await store.scanning.claim('node-a', now, now + 60_000);
        assert.ok(claimed, 'the scan is claimed');
        if (claimed.id === asked.id) break;
      }
      const result = {
        status: 'COMPLETE' as const,
        description: null,
        inventory: null,
        findings: [],
        advisoriesAt: null,
        sbomDigest: null,
      };
      assert.equal(await store.scanning.finish(asked.id, 'node-b', now + 1, result, [delivery(account)]), false);
      await assert.rejects(store.scanning.finish(asked.id, 'node-a', now + 1, result, [unwritable(account)]));
      const held = await store.scanning.get(account, 'events/scanned', asked.digest);
      assert.equal(held?.status, 'IN_PROGRESS', 'rolled back with its event');
      assert.deepEqual(await outbox(store, account), []);
      const event = delivery(account);
      assert.equal(await store.scanning.finish(asked.id, 'node-a', now + 1, result, [event]), true);
      assert.equal((await store.scanning.get(account, 'events/scanned', asked.digest))?.status, 'COMPLETE');
      assert.deepEqual(await outbox(store, account), [event.eventId]);
    });
  });
}
