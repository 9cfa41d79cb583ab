// Migration 0026_metering: transfer-out counts (each node's per hour and series) and storage
// samples (issue 24).
import type { Kysely, Migration } from 'kysely';

export const metering: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('metering_transfer')
      .addColumn('node', 'varchar(256)', (c) => c.notNull())
      .addColumn('hour', 'bigint', (c) => c.notNull())
      // A hash of the series' dimensions below: the key stays short whatever the principal's ARN.
      .addColumn('series', 'varchar(64)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('listener', 'varchar(32)', (c) => c.notNull())
      .addColumn('endpoint', 'varchar(128)', (c) => c.notNull())
      .addColumn('principal', 'varchar(2048)', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('metering_transfer_pk', ['node', 'hour', 'series'])
      .execute();
    await db.schema.createIndex('metering_transfer_hour').on('metering_transfer').columns(['hour']).execute();
    await db.schema
      .createTable('metering_storage')
      .addColumn('sampled_at', 'bigint', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('physical_bytes', 'bigint', (c) => c.notNull())
      .addColumn('shared_bytes', 'bigint', (c) => c.notNull())
      .addColumn('attributed_bytes', 'bigint', (c) => c.notNull())
      .addColumn('archive_bytes', 'bigint', (c) => c.notNull())
      .addColumn('image_count', 'integer', (c) => c.notNull())
      .addColumn('tag_count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('metering_storage_pk', ['repository_id', 'sampled_at'])
      .execute();
    await db.schema
      .createIndex('metering_storage_sampled_at')
      .on('metering_storage')
      .columns(['sampled_at', 'account_id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('metering_storage').ifExists().execute();
    await db.schema.dropTable('metering_transfer').ifExists().execute();
  },
};
