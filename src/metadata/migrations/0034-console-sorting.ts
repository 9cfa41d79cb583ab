// Migration 0034_console_sorting: an index that serves the console's repository list sorted by
// creation time (keyset pages on created_at, then name in binary order), so the page stays an
// index range at 10,000 repositories on both backends.
import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

function postgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export const consoleSorting: Migration = {
  async up(db: Kysely<any>) {
    if (postgres(db))
      await sql`create index if not exists repositories_created on repositories (account_id, created_at, name collate "C")`.execute(
        db,
      );
    else
      await sql`create index if not exists repositories_created on repositories (account_id, created_at, name)`.execute(
        db,
      );
  },
  async down(db: Kysely<any>) {
    await sql`drop index if exists repositories_created`.execute(db);
  },
};
