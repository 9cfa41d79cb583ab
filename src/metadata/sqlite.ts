// The SQLite adapter of the metadata port: the embedded default (one file under the data dir).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './schema.js';
import { KyselyMetadataStore, migrate } from './kysely-store.js';
import { ChangeEpoch } from './change-epoch.js';

const STATEMENT_CACHE = 256;

/**
 * The query builder prepares every statement anew; preparing costs more than running a small
 * query, so statements are kept by their SQL text (the set of distinct queries is small and fixed).
 * A statement that changes what a pull reads moves `changes` on (it runs right after it is
 * prepared, and no read of this process runs inside another's transaction: one connection).
 */
function cachingStatements(database: SqliteDatabase.Database, changes: ChangeEpoch): KyselySqliteDatabase {
  const statements = new Map<string, { statement: SqliteStatement; touches: boolean }>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let entry = statements.get(sql);
      if (!entry) {
        entry = { statement: database.prepare(sql) as unknown as SqliteStatement, touches: ChangeEpoch.touches(sql) };
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
        statements.set(sql, entry);
      }
      if (entry.touches) changes.bump();
      return entry.statement;
    },
  };
}

/** How often another process's commits are looked for (`berth gc`, `berth admin` on the same file). */
export const OTHER_COMMITS_CHECK_MS = 50;

/**
 * Another connection (another process on the same file) committed since the last check. Checked
 * at most every OTHER_COMMITS_CHECK_MS: the pragma costs as much as the lookup a cache saves.
 */
function otherCommits(database: SqliteDatabase.Database): () => boolean {
  const version = database.prepare('PRAGMA data_version').pluck();
  let last = version.get();
  let checkedAt = Date.now();
  return () => {
    const now = Date.now();
    if (now - checkedAt < OTHER_COMMITS_CHECK_MS) return false;
    checkedAt = now;
    const current = version.get();
    if (current === last) return false;
    last = current;
    return true;
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
  const changes = new ChangeEpoch(true, otherCommits(database));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(database, changes) }) });
  await migrateExclusively(database, db);
  return new KyselyMetadataStore(db, {
    changes,
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
