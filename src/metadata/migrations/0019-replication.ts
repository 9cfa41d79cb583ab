// Migration 0019_replication: ECR's replication configuration per registry, and the outbox of
// image replications (one row per image and destination) that workers on any node lease.
import type { Kysely, Migration } from 'kysely';

export const replication: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('replication_configurations')
      .addColumn('account_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('replication_tasks')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('digest', 'varchar(160)', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('dest_region', 'varchar(32)', (c) => c.notNull())
      .addColumn('dest_registry_id', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('failure_code', 'varchar(1024)')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_by', 'varchar(128)')
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('replication_tasks_image')
      .on('replication_tasks')
      .columns(['account_id', 'repository_name', 'digest'])
      .execute();
    await db.schema
      .createIndex('replication_tasks_due')
      .on('replication_tasks')
      .columns(['status', 'next_attempt_at'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('replication_tasks').ifExists().execute();
    await db.schema.dropTable('replication_configurations').ifExists().execute();
  },
};
