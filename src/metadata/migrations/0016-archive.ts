// Migration 0016_archive: ECR's storage classes. An image's status (null: ACTIVE) and when it
// was last archived and restored, on its manifest row; the moves of its layers between the
// storage classes, queued with their progress and the lease of the node running them.
import type { Kysely, Migration } from 'kysely';

export const archive: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('manifests').addColumn('image_status', 'varchar(16)').execute();
    await db.schema.alterTable('manifests').addColumn('last_archived_at', 'bigint').execute();
    await db.schema.alterTable('manifests').addColumn('last_activated_at', 'bigint').execute();
    await db.schema
      .createTable('image_storage_moves')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('target', 'varchar(16)', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_holder', 'varchar(64)')
      .addColumn('lease_until', 'bigint')
      .addColumn('blobs_total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('blobs_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes_total', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes_done', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('image_storage_moves_pk', ['repository_id', 'digest'])
      // A removed image's move goes with it.
      .addForeignKeyConstraint(
        'image_storage_moves_manifest_fk',
        ['repository_id', 'digest'],
        'manifests',
        ['repository_id', 'digest'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('image_storage_moves').execute();
    await db.schema.alterTable('manifests').dropColumn('last_activated_at').execute();
    await db.schema.alterTable('manifests').dropColumn('last_archived_at').execute();
    await db.schema.alterTable('manifests').dropColumn('image_status').execute();
  },
};
