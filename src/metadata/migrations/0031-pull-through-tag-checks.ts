// Migration 0031_pull_through_tag_checks: a cached tag's last check upstream goes with its
// repository (a foreign key that cascades, as the repository's other rows do). SQLite cannot add
// a foreign key to a table: the table is made again, keeping the rows of repositories that exist.
import { type Kysely, type Migration, sql } from 'kysely';

export const pullThroughTagChecks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('pull_through_tag_checks_new')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('tag', 'varchar(256)', (c) => c.notNull())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pull_through_tag_checks_key', ['repository_id', 'tag'])
      .execute();
    await sql`insert into pull_through_tag_checks_new (repository_id, tag, checked_at)
      select repository_id, tag, checked_at from pull_through_tag_checks
      where repository_id in (select id from repositories)`.execute(db);
    await db.schema.dropTable('pull_through_tag_checks').execute();
    await db.schema.alterTable('pull_through_tag_checks_new').renameTo('pull_through_tag_checks').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema
      .createTable('pull_through_tag_checks_old')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('tag', 'varchar(256)', (c) => c.notNull())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pull_through_tag_checks_pk', ['repository_id', 'tag'])
      .execute();
    await sql`insert into pull_through_tag_checks_old select repository_id, tag, checked_at from pull_through_tag_checks`.execute(
      db,
    );
    await db.schema.dropTable('pull_through_tag_checks').execute();
    await db.schema.alterTable('pull_through_tag_checks_old').renameTo('pull_through_tag_checks').execute();
  },
};
