// Migration 0021_keyset_listing_indexes: indexes that serve the keyset pages of tag lists and the
// catalog on PostgreSQL. Pages are ordered by name in binary order (`name COLLATE "C"`, the order
// the protocol's `last` parameter needs on both backends), and an index serves such an ORDER BY
// only in the same collation: with the primary keys' (the database's default collation, e.g.
// C.UTF-8) a page at 300,000 tags scanned and sorted every tag of the repository (49 ms, against
// 0.09 ms with this index). SQLite's columns are BINARY already, so its primary keys serve.
import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

function postgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export const keysetListingIndexes: Migration = {
  async up(db: Kysely<any>) {
    if (!postgres(db)) return;
    await sql`create index if not exists tags_name_binary on tags (repository_id, name collate "C")`.execute(db);
    await sql`create index if not exists repositories_name_binary on repositories (account_id, name collate "C")`.execute(
      db,
    );
  },
  async down(db: Kysely<any>) {
    if (!postgres(db)) return;
    await sql`drop index if exists repositories_name_binary`.execute(db);
    await sql`drop index if exists tags_name_binary`.execute(db);
  },
};
