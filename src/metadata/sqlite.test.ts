// The SQLite adapter runs the shared metadata suite on a file and in memory, and opens one
// file from several stores (and processes) the way restarts and extra nodes do.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { tempDir } from '../testing/server.js';
import { openSqliteStore } from './sqlite.js';
import { runMetadataSuite } from './store-suite.js';

runMetadataSuite('sqlite file', async () => {
  const dir = tempDir('berth-sqlite-');
  const store = await openSqliteStore(join(dir, 'nested', 'berth.db'));
  return {
    store,
    async teardown() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runMetadataSuite('sqlite :memory:', async () => {
  const store = await openSqliteStore(':memory:');
  return { store, teardown: () => store.close() };
});

function migrationsApplied(file: string): string[] {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return db
      .prepare('select name from kysely_migration order by name')
      .all()
      .map((row) => (row as { name: string }).name);
  } finally {
    db.close();
  }
}

describe('sqlite adapter', () => {
  it('opens the same file twice: migrations run once and both stores share the data', async () => {
    const dir = tempDir('berth-sqlite-');
    try {
      const file = join(dir, 'berth.db');
      const first = await openSqliteStore(file);
      const applied = migrationsApplied(file);
      assert.ok(applied.length > 0);
      const second = await openSqliteStore(file);
      assert.deepEqual(migrationsApplied(file), applied, 'the second open applies nothing');
      const repository = await first.repositories.ensure('123456789012', 'shared/repo');
      assert.deepEqual(await second.repositories.get('123456789012', 'shared/repo'), repository);
      assert.deepEqual(await second.repositories.ensure('123456789012', 'shared/repo'), repository);
      assert.equal(await second.settings.setIfAbsent('k', 'from second'), 'from second');
      assert.equal(await first.settings.setIfAbsent('k', 'from first'), 'from second');
      await first.close();
      await second.close();
      // And after a restart.
      const third = await openSqliteStore(file);
      assert.deepEqual(await third.repositories.get('123456789012', 'shared/repo'), repository);
      await third.close();
      assert.deepEqual(migrationsApplied(file), applied);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates a new file once when several processes open it at the same moment', async () => {
    const dir = tempDir('berth-sqlite-');
    try {
      const file = join(dir, 'berth.db');
      const module = new URL('./sqlite.js', import.meta.url).href;
      const script = `
        const { openSqliteStore } = await import(${JSON.stringify(module)});
        const store = await openSqliteStore(process.argv[1]);
        await store.repositories.ensure('123456789012', 'from/' + process.pid);
        await store.close();`;
      const processes = Array.from({ length: 6 }, () =>
        promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, file]),
      );
      const results = await Promise.allSettled(processes);
      assert.deepEqual(
        results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
        [],
      );
      const store = await openSqliteStore(file);
      assert.equal((await store.repositories.list('123456789012', { limit: 10 })).length, 6);
      await store.close();
      assert.equal(new Set(migrationsApplied(file)).size, migrationsApplied(file).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
