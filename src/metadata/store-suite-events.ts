// The metadata suite's part for events: rules and their targets per account, the delivery outbox
// written in a manifest put's own transaction (and not at all when the put is refused), deliveries
// leased once, retried, delivered or given up, listed as dead letters and replayed. Run by
// store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { freshAccount, manifest } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';
import { describeEventChangeMetadata } from './store-suite-event-changes.js';

const delivery = (accountId: string, ruleName = 'r', targetId = 't'): EventDeliveryInput => ({
  eventId: randomUUID(),
  accountId,
  ruleName,
  targetId,
  event: JSON.stringify({ 'detail-type': 'ECR Image Action' }),
});

export function describeEventMetadata(subject: () => MetadataStore): void {
  describe('events', () => {
    it('rules and targets per account: put, replaced, listed by name, removed', async () => {
      const store = subject();
      const account = freshAccount();
      const rule = {
        accountId: account,
        name: 'b',
        pattern: '{"source":["aws.ecr"]}',
        state: 'ENABLED' as const,
        description: null,
        createdAt: 5,
      };
      await store.events.putRule(rule);
      await store.events.putRule({ ...rule, name: 'a', description: 'first' });
      await store.events.putRule({ ...rule, pattern: '{"source":["x"]}', state: 'DISABLED', createdAt: 9 });
      assert.deepEqual(
        await store.events.getRule(account, 'b'),
        { ...rule, pattern: '{"source":["x"]}', state: 'DISABLED' },
        'replaced, created when first put',
      );
      assert.deepEqual(
        (await store.events.rules(account)).map((r) => r.name),
        ['a', 'b'],
      );
      assert.deepEqual(await store.events.rules(freshAccount()), [], 'per account');

      const target = {
        accountId: account,
        ruleName: 'b',
        id: 'hook',
        url: 'https://h/1',
        secret: 's'.repeat(16),
        format: 'eventbridge' as const,
        headers: { 'X-A': '1' },
      };
      await store.events.putTargets([target, { ...target, id: 'docker', format: 'docker-distribution' }]);
      await store.events.putTargets([{ ...target, url: 'https://h/2' }]);
      assert.deepEqual(await store.events.getTarget(account, 'b', 'hook'), { ...target, url: 'https://h/2' });
      assert.deepEqual(
        (await store.events.targets(account, 'b')).map((t) => [t.id, t.format]),
        [
          ['docker', 'docker-distribution'],
          ['hook', 'eventbridge'],
        ],
      );
      await store.events.removeTargets(account, 'b', ['docker', 'none']);
      assert.deepEqual(
        (await store.events.targets(account, 'b')).map((t) => t.id),
        ['hook'],
      );
      assert.equal(await store.events.deleteRule(account, 'a'), true);
      assert.equal(await store.events.deleteRule(account, 'a'), false);
    });

    it("targets' secrets are paged in key order and replaced only while unchanged (a master key rotation)", async () => {
      const store = subject();
      const account = freshAccount();
      const target = (ruleName: string, id: string) => ({
        accountId: account,
        ruleName,
        id,
        url: 'https://h/1',
        secret: `sealed-${ruleName}-${id}`,
        format: 'eventbridge' as const,
        headers: {},
      });
      await store.events.putTargets([target('r2', 'a'), target('r1', 'b'), target('r1', 'a')]);
      // Pages from just before this account's first key: other tests' accounts differ.
      const start = { accountId: account, ruleName: '', id: '' };
      const first = await store.events.targetSecrets(start, 2);
      const mine = (rows: typeof first) => rows.filter((r) => r.accountId === account);
      assert.deepEqual(
        mine(first).map((r) => `${r.ruleName}/${r.id}/${r.secret}`),
        ['r1/a/sealed-r1-a', 'r1/b/sealed-r1-b'],
      );
      const rest = await store.events.targetSecrets(first.at(-1)!, 100);
      assert.deepEqual(
        mine(rest).map((r) => `${r.ruleName}/${r.id}`),
        ['r2/a'],
      );
      const key = { accountId: account, ruleName: 'r1', id: 'a' };
      assert.equal(await store.events.replaceSecret(key, 'stale', 'new'), false, 'changed meanwhile: kept');
      assert.equal(await store.events.replaceSecret(key, 'sealed-r1-a', 'new'), true);
      assert.equal((await store.events.getTarget(account, 'r1', 'a'))!.secret, 'new');
    });

    it('a manifest put writes its deliveries in its own transaction; a refused put writes none', async () => {
      const store = subject();
      const account = freshAccount();
      const repository = await store.repositories.ensure(account, 'events/app');
      const first = delivery(account);
      const stored = manifest(repository.id);
      assert.deepEqual(await store.manifests.put(stored, [], ['v1'], ['v1'], undefined, [], [first]), { stored: true });
      const pending = await store.events.deliveries('PENDING', account);
      assert.deepEqual(
        pending.map((d) => [d.eventId, d.status, d.attempts, d.nextAttemptAt]),
        [[first.eventId, 'PENDING', 0, stored.createdAt]],
      );
      const refused = await store.manifests.put(
        manifest(repository.id),
        [],
        ['v1'],
        ['v1'],
        undefined,
        [],
        [delivery(account)],
      );
      assert.deepEqual(refused, { stored: false, immutableTag: 'v1' });
      assert.equal((await store.events.deliveries('PENDING', account)).length, 1, 'nothing of the refused put');
    });

    it('a delivery is leased once, retried later, delivered or given up; dead letters are listed and replayed', async () => {
      const store = subject();
      const account = freshAccount();
      // A far-future clock: this test's deliveries are due after every other's (claimed and finished first).
      const now = 9_100_000_000_000 + Math.floor(Math.random() * 1_000_000);
      await store.events.enqueue([delivery(account, 'r', 'ok'), delivery(account, 'r', 'dead')], now);
      const claimOurs = async (at: number, node: string) => {
        for (;;) {
          const claimed = await store.events.claim(node, at, at + 60_000);
          if (!claimed || claimed.accountId === account) return claimed;
          await store.events.finish(claimed.id, node, at, null);
        }
      };
      const a = await claimOurs(now, 'node-a');
      const b = await claimOurs(now, 'node-b');
      assert.ok(a && b && a.id !== b.id);
      assert.equal(await claimOurs(now, 'node-c'), undefined, 'both are leased');
      await store.events.retry(a.id, 'node-a', now, now + 1_000, 'HTTP 503');
      await store.events.retry(b.id, 'node-b', now, now + 1_000, 'HTTP 503');
      assert.equal(await claimOurs(now + 500, 'node-c'), undefined, 'not due yet');
      const again = await claimOurs(now + 1_000, 'node-a');
      const other = await claimOurs(now + 1_000, 'node-a');
      assert.ok(again && other);
      assert.equal(again.attempts, 1);
      assert.equal(again.lastError, 'HTTP 503');
      const [ok, dead] = again.targetId === 'ok' ? [again, other] : [other, again];
      await store.events.finish(ok.id, 'node-a', now + 1_100, null);
      await store.events.finish(dead.id, 'node-b', now + 1_100, 'HTTP 500');
      assert.equal((await store.events.deliveries('DEAD', account)).length, 0, 'only the holder finishes');
      await store.events.finish(dead.id, 'node-a', now + 1_100, 'HTTP 500');
      assert.deepEqual(
        (await store.events.deliveries('DELIVERED', account)).map((d) => d.targetId),
        ['ok'],
      );
      const letters = await store.events.deliveries('DEAD', account);
      assert.deepEqual(
        letters.map((d) => [d.targetId, d.attempts, d.lastError]),
        [['dead', 2, 'HTTP 500']],
      );
      assert.equal(await store.events.replay(now + 2_000, freshAccount()), 0, 'another account has none');
      assert.equal(await store.events.replay(now + 2_000, account, [letters[0]!.id]), 1);
      const replayed = await claimOurs(now + 2_000, 'node-a');
      assert.equal(replayed?.id, letters[0]!.id);
      assert.equal(replayed?.attempts, 0, 'a new retry window');
      assert.equal((await store.events.deliveries('DEAD', account)).length, 0);
    });

    describeEventChangeMetadata(subject);
  });
}
