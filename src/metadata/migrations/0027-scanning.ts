// Migration 0027_scanning: image scanning. A registry's scanning configuration, one row per
// scanned image (its state, leased by the scan workers of any node, what it found and its
// findings), and the OSV advisories an operator imported, one row per advisory and package.
import type { Kysely, Migration } from 'kysely';

export const scanning: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('scanning_configurations')
      .addColumn('account_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('configuration', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('image_scans')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('digest', 'varchar(160)', (c) => c.notNull())
      .addColumn('status', 'varchar(32)', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .addColumn('inventory', 'text')
      .addColumn('findings', 'text', (c) => c.notNull())
      .addColumn('advisories_at', 'bigint')
      .addColumn('sbom_digest', 'varchar(160)')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('locked_by', 'varchar(128)')
      .addColumn('locked_until', 'bigint')
      .execute();
    await db.schema
      .createIndex('image_scans_image')
      .on('image_scans')
      .columns(['account_id', 'repository_name', 'digest'])
      .unique()
      .execute();
    await db.schema.createIndex('image_scans_due').on('image_scans').columns(['status', 'locked_until']).execute();
    await db.schema
      .createTable('scan_advisories')
      .addColumn('id', 'varchar(256)', (c) => c.notNull())
      .addColumn('ecosystem', 'varchar(64)', (c) => c.notNull())
      .addColumn('package_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('modified', 'varchar(64)', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('imported_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('scan_advisories_pk', ['ecosystem', 'package_name', 'id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('scan_advisories').ifExists().execute();
    await db.schema.dropTable('image_scans').ifExists().execute();
    await db.schema.dropTable('scanning_configurations').ifExists().execute();
  },
};
