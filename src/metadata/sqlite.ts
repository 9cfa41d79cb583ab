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
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await migrate(db);
  return new KyselyMetadataStore(db, { backend: 'sqlite', binaryCollation: 'BINARY', skipLocked: false });
}
