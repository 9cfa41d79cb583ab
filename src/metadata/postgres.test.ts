// The PostgreSQL adapter runs the same shared metadata suite as SQLite, on a real server
// (BERTH_TEST_POSTGRES_URL), and migrates once when several nodes open a new database at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import {
  dropPostgresDatabaseFor,
  postgresAdminUrl,
  postgresDatabaseFor,
  requirePostgres,
} from '../testing/postgres.js';
import { migrationProvider } from './migrations/index.js';
import { openPostgresStore } from './postgres.js';
import { runMetadataSuite } from './store-suite.js';

if (postgresAdminUrl()) {
  runMetadataSuite('postgres', async () => {
    const key = `store-suite-${process.pid}-${Date.now()}`;
    const store = await openPostgresStore(await postgresDatabaseFor(key));
    return {
      store,
      async teardown() {
        await store.close();
        await dropPostgresDatabaseFor(key);
      },
    };
  });

  describe('postgres adapter', () => {
    it('runs each migration once when six nodes open a new database at the same moment', async () => {
      const key = `migrate-race-${process.pid}-${Date.now()}`;
      const url = await postgresDatabaseFor(key);
      try {
        const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore(url, { poolSize: 2 })));
        assert.ok(await stores[0]!.ping());
        await Promise.all(stores.map((s) => s.close()));
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query<{ name: string }>('select name from kysely_migration order by name');
        await client.end();
        assert.deepEqual(
          rows.map((r) => r.name),
          Object.keys(await migrationProvider.getMigrations()).sort(),
        );
      } finally {
        await dropPostgresDatabaseFor(key);
      }
    });

    it('survives the server closing its idle connections, and reconnects', async () => {
      const key = `terminated-${process.pid}-${Date.now()}`;
      const url = await postgresDatabaseFor(key);
      const store = await openPostgresStore(url, { poolSize: 2 });
      try {
        assert.ok(await store.ping());
        const admin = new pg.Client({ connectionString: postgresAdminUrl() });
        await admin.connect();
        const { rowCount } = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'berth'",
          [new URL(url).pathname.slice(1)],
        );
        await admin.end();
        assert.ok((rowCount ?? 0) > 0, 'the store had an idle connection to close');
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.ok(await store.ping(), 'the next query opens a new connection');
      } finally {
        await store.close();
        await dropPostgresDatabaseFor(key);
      }
    });

    it('refuses to start on an unreachable database with a clear error', async () => {
      await assert.rejects(openPostgresStore('postgres://berth:wrong@127.0.0.1:1/none'), /ECONNREFUSED|connect/);
    });
  });
} else {
  it('postgres metadata suite', (t) => {
    requirePostgres(t);
  });
}
