// The SQLite adapter of the metadata port: the embedded default (one file under the data dir).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { KyselyMetadataStore, migrate } from './kysely-store.js';

export async function openSqliteStore(file: string): Promise<KyselyMetadataStore> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  // The busy timeout first: switching a new file to WAL waits for other processes opening it.
  database.pragma('busy_timeout = 5000');
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await migrateRacing(db);
  return new KyselyMetadataStore(db, { backend: 'sqlite', binaryCollation: 'BINARY' });
}

/**
 * Kysely's migration lock is a no-op on SQLite (it assumes one connection), so processes that
 * open a new file at once both see it unmigrated and one fails ("table already exists"). Its
 * migration transaction rolls back, so trying again finds the winner's migrations applied.
 */
async function migrateRacing(db: Kysely<Database>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(db);
    } catch (err) {
      if (attempt === 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}
