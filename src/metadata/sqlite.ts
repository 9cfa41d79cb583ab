// The SQLite adapter of the metadata port: the embedded default (one file under the data dir).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './schema.js';
import { KyselyMetadataStore, migrate } from './kysely-store.js';

const STATEMENT_CACHE = 256;

/**
 * The query builder prepares every statement anew; preparing costs more than running a small
 * query, so statements are kept by their SQL text (the set of distinct queries is small and fixed).
 */
function cachingStatements(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql) as unknown as SqliteStatement;
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

export async function openSqliteStore(file: string): Promise<KyselyMetadataStore> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  // The busy timeout first: switching a new file to WAL waits for other processes opening it.
  database.pragma('busy_timeout = 5000');
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
  await migrateExclusively(database, db);
  return new KyselyMetadataStore(db, {
    backend: 'sqlite',
    binaryCollation: 'BINARY',
    skipLocked: false,
    advisoryLocks: false,
  });
}

/**
 * Kysely's SQLite adapter takes no migration lock and runs each migration on its own (it assumes
 * one connection), so processes opening a new file at once would interleave migrations, and one
 * would fail ("table already exists") or run a data migration twice. Here the migrations run in
 * one `BEGIN IMMEDIATE` transaction on the store's connection: it holds the database's write lock,
 * a second process waits for it (busy_timeout) and then finds them applied, and a failed
 * migration rolls back whole. A wait longer than the busy timeout is tried again.
 */
async function migrateExclusively(database: SqliteDatabase.Database, db: Kysely<Database>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      database.exec('BEGIN IMMEDIATE');
      await migrate(db);
      database.exec('COMMIT');
      return;
    } catch (err) {
      if (database.inTransaction) database.exec('ROLLBACK');
      if (attempt === 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}
