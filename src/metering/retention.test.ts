// Metering retention: counts and samples older than metering.retentionDays are deleted by the
// leased purge-metering job's run, newer ones kept; the job is declared for the nodes to share.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBerth, type TestBerth } from '../testing/server.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
let server: TestBerth;

before(async () => {
  server = await startBerth({ listen: false, settings: { metering: { retentionDays: 30 } } });
});
after(() => server?.close());

describe('metering retention', () => {
  it('deletes what is older than metering.retentionDays, keeps the rest; the job is declared', async () => {
    const { store, accountId } = server.berth;
    const repository = await store.repositories.ensure(accountId, 'retained/app');
    const now = Date.now();
    const hour = (ms: number) => ms - (ms % HOUR);
    const count = (at: number) => ({
      node: 'n1',
      hour: hour(at),
      accountId,
      repositoryId: repository.id,
      repositoryName: repository.name,
      listener: 'main',
      endpoint: 'public-network',
      principal: 'anonymous',
      bytes: 10,
      requests: 1,
    });
    const sample = (at: number) => ({
      sampledAt: at,
      accountId,
      repositoryId: repository.id,
      repositoryName: repository.name,
      physicalBytes: 1,
      sharedBytes: 0,
      attributedBytes: 1,
      archiveBytes: 0,
      imageCount: 0,
      tagCount: 0,
    });
    const old = now - 31 * DAY;
    const recent = now - 29 * DAY;
    await store.metering.addTransfer([count(old), count(recent)]);
    await store.metering.addStorageSamples([sample(old), sample(recent)]);

    const deleted = await server.berth.metering.purge(now);
    assert.deepEqual(deleted, { transfer: 1, storage: 1 });
    const range = { from: 0, to: now + DAY, accountIds: [accountId] };
    assert.deepEqual(
      (await store.metering.transfer(range)).map((c) => c.hour),
      [hour(recent)],
    );
    assert.deepEqual(
      (await store.metering.storageSamples(range)).map((s) => s.sampledAt),
      [recent],
    );
    assert.ok(await store.jobs.get('purge-metering'), 'the purge is a leased, scheduled job');
  });
});
