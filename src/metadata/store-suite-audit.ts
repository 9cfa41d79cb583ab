// The metadata suite's part for the audit trail: events inserted in batches (a repeated id is
// skipped), looked up newest first by account, time range and each attribute, paged by cursor,
// and deleted past a time; runs of events spread back into events; and the metrics' gauges of
// waiting work. Run by store-suite.ts on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuditAttribute,
  type AuditRecord,
  type AuditRun,
  auditIdPrefix,
  memberEventId,
} from '../domain/records/audit.js';
import { randomUUID } from 'node:crypto';
import { freshAccount, freshRepository } from './store-suite-fixtures.js';
import type { MetadataStore } from './store.js';

function event(accountId: string, n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  const eventTime = overrides.eventTime ?? 1_000_000 + n * 1000;
  return {
    // Ids start with their time (UUIDv7), and sort by it.
    eventId: `${auditIdPrefix(eventTime)}-7${randomUUID().slice(15)}`,
    eventTime,
    accountId,
    eventName: n % 2 === 0 ? 'PutImage' : 'BatchGetImage',
    eventSource: 'ecr.amazonaws.com',
    readOnly: n % 2 === 1,
    username: 'alice',
    accessKeyId: 'AKIAEXAMPLE',
    resourceType: 'AWS::ECR::Repository',
    resourceName: `repo-${n % 3}`,
    identity: n % 4 === 0 ? null : JSON.stringify({ type: 'IAMUser', userName: 'alice' }),
    sourceIp: '192.0.2.1',
    userAgent: n % 5 === 0 ? null : 'aws-cli/2',
    requestId: `request-${n}`,
    parameters: n % 2 === 0 ? null : JSON.stringify({ repositoryName: `repo-${n % 3}` }),
    errorCode: n === 3 ? 'RepositoryNotFoundException' : null,
    errorMessage: n === 3 ? 'not found' : null,
    ...overrides,
  };
}

export function describeAuditMetadata(subject: () => MetadataStore): void {
  describe('audit events', () => {
    it('are looked up newest first by account, time range and attribute, a page at a time', async () => {
      const store = subject();
      const account = freshAccount();
      const other = freshAccount();
      const events = Array.from({ length: 12 }, (_, n) => event(account, n));
      await store.audit.insert(events);
      await store.audit.insert([events[0]!, event(other, 1)]);
      const all = { accountId: account, startTime: 0, endTime: Number.MAX_SAFE_INTEGER, limit: 100 };
      const found = await store.audit.lookup(all);
      assert.deepEqual(
        found.map((e) => e.eventId),
        events.map((e) => e.eventId).reverse(),
      );
      assert.deepEqual(found.at(-1), events[0]);
      assert.deepEqual(
        found.find((e) => e.eventId === events[3]!.eventId),
        events[3],
      );

      const first = await store.audit.lookup({ ...all, limit: 5 });
      const last = first.at(-1)!;
      const next = await store.audit.lookup({ ...all, limit: 5, after: last });
      assert.deepEqual(
        next.map((e) => e.eventId),
        events
          .slice(2, 7)
          .map((e) => e.eventId)
          .reverse(),
      );

      const ranged = await store.audit.lookup({
        ...all,
        startTime: events[3]!.eventTime,
        endTime: events[5]!.eventTime,
      });
      assert.deepEqual(
        ranged.map((e) => e.eventId),
        [events[5]!.eventId, events[4]!.eventId, events[3]!.eventId],
      );

      const by = (key: AuditAttribute, value: string) =>
        store.audit.lookup({ ...all, attribute: { key, value } }).then((r) => r.map((e) => e.eventId));
      assert.equal((await by('EventName', 'PutImage')).length, 6);
      assert.equal((await by('ReadOnly', 'true')).length, 6);
      assert.equal((await by('ReadOnly', 'false')).length, 6);
      assert.equal((await by('ResourceName', 'repo-0')).length, 4);
      assert.deepEqual(await by('EventId', events[7]!.eventId), [events[7]!.eventId]);
      // The attributes without an index of their own filter the account's time range.
      assert.equal((await by('Username', 'alice')).length, 12);
      assert.equal((await by('Username', 'bob')).length, 0);
      assert.equal((await by('AccessKeyId', 'AKIAEXAMPLE')).length, 12);
      assert.equal((await by('EventSource', 'ecr.amazonaws.com')).length, 12);
      assert.equal((await by('ResourceType', 'AWS::ECR::Repository')).length, 12);
    });

    it('events older than a time are deleted in batches', async () => {
      const store = subject();
      const account = freshAccount();
      await store.audit.insert(Array.from({ length: 6 }, (_, n) => event(account, n, { eventTime: 10 + n })));
      // Other tests' events are newer than 13 (they start at 1_000_000).
      assert.equal(await store.audit.deleteBefore(13, 2), 2);
      assert.equal(await store.audit.deleteBefore(13, 10), 1);
      const left = await store.audit.lookup({ accountId: account, startTime: 0, endTime: 100, limit: 10 });
      assert.deepEqual(
        left.map((e) => e.eventTime),
        [15, 14, 13],
      );
    });

    it('runs of events are looked up as their events, interleaved by time with others, by page, range and id', async () => {
      const store = subject();
      const account = freshAccount();
      // Two clients pulling (runs of 4 and 3 events, a millisecond apart in turn) and one other call.
      const run = (n: number, times: number[], resourceName: string): AuditRun => ({
        ...event(account, n, { eventTime: times[0]!, resourceName }),
        eventId: `${auditIdPrefix(times[0]!)}-7000${randomUUID().slice(18)}`,
        others: times.slice(1).map((eventTime, i) => ({ eventTime, requestId: `request-${n}-${i + 1}` })),
      });
      const a = run(1, [100, 120, 140, 160], 'runs/a');
      const b = run(1, [110, 130, 150], 'runs/b');
      const c = event(account, 2, { eventTime: 145 });
      await store.audit.insert([a, b, c]);
      const all = { accountId: account, startTime: 0, endTime: 1000, limit: 100 };
      const found = await store.audit.lookup(all);
      assert.deepEqual(
        found.map((e) => e.eventTime),
        [160, 150, 145, 140, 130, 120, 110, 100],
      );
      const third = found.find((e) => e.eventTime === 140)!;
      const { others: _, ...first } = a;
      assert.deepEqual(third, {
        ...first,
        eventId: memberEventId(a.eventId, 2),
        eventTime: 140,
        requestId: 'request-1-2',
      });
      assert.equal(new Set(found.map((e) => e.eventId)).size, 8, 'every event has an id of its own');

      const paged: AuditRecord[] = [];
      for (let page = await store.audit.lookup({ ...all, limit: 3 }); page.length > 0; ) {
        paged.push(...page);
        page = await store.audit.lookup({ ...all, limit: 3, after: page.at(-1)! });
      }
      assert.deepEqual(paged, found);

      const ranged = await store.audit.lookup({ ...all, startTime: 115, endTime: 145 });
      assert.deepEqual(
        ranged.map((e) => e.eventTime),
        [145, 140, 130, 120],
      );
      const named = await store.audit.lookup({ ...all, attribute: { key: 'ResourceName', value: 'runs/b' } });
      assert.deepEqual(
        named.map((e) => e.requestId),
        ['request-1-2', 'request-1-1', 'request-1'],
      );
      for (const wantedEvent of [found[0]!, third, found.at(-1)!]) {
        const byId = await store.audit.lookup({ ...all, attribute: { key: 'EventId', value: wantedEvent.eventId } });
        assert.deepEqual(byId, [wantedEvent]);
      }

      // A run goes once its last event is past the retention.
      assert.ok((await store.audit.deleteBefore(150, 10)) >= 1);
      assert.deepEqual(
        (await store.audit.lookup(all)).map((e) => e.eventTime),
        [160, 150, 140, 130, 120, 110, 100],
      );
      assert.ok((await store.audit.deleteBefore(161, 10)) >= 7);
      assert.deepEqual(await store.audit.lookup(all), []);
    });

    it('a long run is read a page at a time, events of the same millisecond in order of their ids', async () => {
      const store = subject();
      const account = freshAccount();
      const times = Array.from({ length: 1000 }, (_, i) => 5000 + Math.floor(i / 3));
      await store.audit.insert([
        {
          ...event(account, 1, { eventTime: times[0]! }),
          eventId: `${auditIdPrefix(times[0]!)}-7000${randomUUID().slice(18)}`,
          others: times.slice(1).map((eventTime, i) => ({ eventTime, requestId: `r${i + 1}` })),
        },
      ]);
      const all = { accountId: account, startTime: 0, endTime: 10_000, limit: 50 };
      const first = await store.audit.lookup(all);
      assert.deepEqual(
        first.map((e) => e.requestId),
        Array.from({ length: 50 }, (_, i) => `r${999 - i}`),
      );
      let seen = 0;
      let previous: AuditRecord | undefined;
      for (let page = first; page.length > 0; page = await store.audit.lookup({ ...all, after: page.at(-1)! }))
        for (const e of page) {
          if (previous)
            assert.ok(
              e.eventTime < previous.eventTime || (e.eventTime === previous.eventTime && e.eventId < previous.eventId),
            );
          previous = e;
          seen++;
        }
      assert.equal(seen, 1000);
    });

    it("the metrics' gauges count open uploads and due jobs, with the oldest due job's wait", async () => {
      const store = subject();
      const now = Date.now();
      const before = await store.operations.gauges(now);
      for (const value of Object.values(before)) assert.ok(Number.isFinite(value) && value >= 0);
      const repository = await freshRepository(store);
      await store.uploads.create({ id: randomUUID(), repositoryId: repository.id, createdAt: now, updatedAt: now });
      await store.jobs.ensure(`gauge-${randomUUID()}`, now - 60_000);
      const after = await store.operations.gauges(now);
      assert.equal(after.uploadSessions, before.uploadSessions + 1);
      assert.equal(after.jobsDue, before.jobsDue + 1);
      assert.ok(after.oldestDueJobMs >= 60_000);
    });

    it('repository counts add up per minute across batches and nodes, read by metric, repository and range', async () => {
      const store = subject();
      const account = freshAccount();
      const count = (repositoryName: string, minute: number, n: number, metric = 'RepositoryPullCount' as const) => ({
        accountId: account,
        repositoryName,
        metric,
        minute,
        count: n,
      });
      await store.audit.addCounts([count('a', 60_000, 2), count('b', 60_000, 1)]);
      await store.audit.addCounts([count('a', 60_000, 3), count('a', 120_000, 1)]);
      await store.audit.addCounts([{ ...count('a', 60_000, 7), metric: 'RepositoryPushCount' }]);
      const pulls = await store.audit.counts(account, 'RepositoryPullCount', 'a', 0, 180_000);
      assert.deepEqual(
        pulls.map((c) => [c.minute, c.count]),
        [
          [60_000, 5],
          [120_000, 1],
        ],
      );
      assert.equal((await store.audit.counts(account, 'RepositoryPullCount', undefined, 0, 120_000)).length, 2);
      assert.deepEqual(
        (await store.audit.counts(account, 'RepositoryPushCount', undefined, 0, 180_000)).map((c) => c.count),
        [7],
      );
      assert.deepEqual(await store.audit.countedRepositories(account, 'RepositoryPullCount', 0), ['a', 'b']);
      assert.deepEqual(await store.audit.countedRepositories(account, 'RepositoryPullCount', 120_000), ['a']);
      assert.ok((await store.audit.deleteCountsBefore(120_000)) >= 3);
      assert.equal((await store.audit.counts(account, 'RepositoryPullCount', 'a', 0, 180_000)).length, 1);
    });
  });
}
