// Migration 0002_jobs: the background jobs (one row per job: when it runs next, which node holds
// it).
import type { Kysely, Migration } from 'kysely';

export const jobs: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jobs')
      .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
      .addColumn('next_run_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_by', 'varchar(100)')
      .addColumn('locked_until', 'bigint')
      .addColumn('last_run_at', 'bigint')
      .addColumn('last_error', 'text')
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('jobs').ifExists().execute();
  },
};
