// Jobs run once across nodes: two schedulers on one database (two connections, as two nodes
// have) never run a job twice, and a job leased by a node that died is taken over after its lease.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { JobScheduler } from './scheduler.js';
import { openSqliteStore } from '../metadata/sqlite.js';
import { openPostgresStore } from '../metadata/postgres.js';
import type { MetadataStore } from '../metadata/store.js';
import { tempDir } from '../testing/server.js';
import { dropPostgresDatabaseFor, postgresDatabaseFor, requirePostgres } from '../testing/postgres.js';

const log = pino({ level: 'silent' });

interface Backend {
  name: string;
  /** Opens two stores on one fresh database; undefined when the backend is unavailable. */
  open(t: import('node:test').TestContext): Promise<[MetadataStore, MetadataStore] | undefined>;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = tempDir();
      const file = join(dir, 'berth.db');
      const stores: [MetadataStore, MetadataStore] = [await openSqliteStore(file), await openSqliteStore(file)];
      cleanups.push(async () => {
        await Promise.all(stores.map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      });
      return stores;
    },
  },
  {
    name: 'postgres',
    async open(t) {
      if (!requirePostgres(t)) return undefined;
      const key = `scheduler-${t.name}-${process.pid}-${Date.now()}`;
      const url = await postgresDatabaseFor(key);
      const stores: [MetadataStore, MetadataStore] = [await openPostgresStore(url), await openPostgresStore(url)];
      cleanups.push(async () => {
        await Promise.all(stores.map((s) => s.close()));
        await dropPostgresDatabaseFor(key);
      });
      return stores;
    },
  },
];

for (const backend of backends) {
  describe(`job scheduler on ${backend.name}`, () => {
    it('runs a due job on exactly one of two nodes', async (t) => {
      const stores = await backend.open(t);
      if (!stores) return;
      let runs = 0;
      const job = (node: string) => ({
        name: 'count',
        intervalMs: 60_000,
        leaseMs: 10_000,
        async run() {
          runs++;
          await new Promise((r) => setTimeout(r, 50)); // long enough for the other node to try
          void node;
        },
      });
      const a = new JobScheduler(stores[0], 'node-a', log, [job('a')], 3_600_000);
      const b = new JobScheduler(stores[1], 'node-b', log, [job('b')], 3_600_000);
      await stores[0].jobs.ensure('count', Date.now() - 1);
      await a.start();
      await b.start();
      const [ranA, ranB] = await Promise.all([a.tick(), b.tick()]);
      assert.equal(runs, 1, 'the job ran once');
      assert.equal(ranA.length + ranB.length, 1);
      const record = await stores[0].jobs.get('count');
      assert.ok(record);
      assert.equal(record.lockedBy, null, 'the lease is released');
      assert.ok(record.nextRunAt >= Date.now() + 50_000, 'the next run is an interval away');
      assert.deepEqual(await a.tick(), [], 'not due again');
      await a.stop();
      await b.stop();
    });

    it('takes over a job whose node died holding the lease, only after the lease expires', async (t) => {
      const stores = await backend.open(t);
      if (!stores) return;
      const now = Date.now();
      await stores[0].jobs.ensure('orphan', now - 1);
      assert.equal(await stores[0].jobs.claim('dead-node', now, now + 200), 'orphan');
      assert.equal(await stores[1].jobs.claim('node-b', now + 100, now + 10_000), undefined, 'still leased');
      assert.equal(await stores[1].jobs.claim('node-b', now + 300, now + 10_000), 'orphan', 'lease expired');
      await stores[1].jobs.complete('orphan', 'node-b', now + 400, now + 60_000, null);
      // The dead node's late completion must not clobber the new holder's record.
      await stores[0].jobs.complete('orphan', 'dead-node', now + 500, now, 'late');
      const record = await stores[0].jobs.get('orphan');
      assert.equal(record?.lastError, null);
      assert.equal(record?.nextRunAt, now + 60_000);
    });

    it('records a failing job and schedules it again', async (t) => {
      const stores = await backend.open(t);
      if (!stores) return;
      const scheduler = new JobScheduler(
        stores[0],
        'node-a',
        log,
        [
          {
            name: 'fails',
            intervalMs: 1000,
            leaseMs: 1000,
            async run() {
              throw new Error('disk on fire');
            },
          },
        ],
        3_600_000,
      );
      await stores[0].jobs.ensure('fails', Date.now() - 1);
      assert.deepEqual(await scheduler.tick(), ['fails']);
      const record = await stores[0].jobs.get('fails');
      assert.equal(record?.lastError, 'disk on fire');
      assert.equal(record?.lockedBy, null);
      await scheduler.stop();
    });
  });
}
