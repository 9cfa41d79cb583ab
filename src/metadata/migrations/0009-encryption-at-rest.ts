// Migration 0009_encryption_at_rest: encryption at rest: wraps of blobs' data keys, uploads' data
// keys, KMS keys, their material and aliases.
import type { Kysely, Migration } from 'kysely';

export const encryptionAtRest: Migration = {
  async up(db: Kysely<any>) {
    // Wraps of each blob's data key, one per wrapping key (the master key or a KMS key), so a
    // blob stored once is readable by every repository it is linked into.
    await db.schema
      .createTable('blob_keys')
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('data_key_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('wrapping_key', 'varchar(2048)', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('blob_keys_pk', ['digest', 'data_key_id', 'wrapping_key'])
      .execute();
    await db.schema
      .createIndex('blob_keys_wrapping')
      .on('blob_keys')
      .columns(['wrapping_key', 'digest', 'data_key_id'])
      .execute();
    await db.schema.alterTable('uploads').addColumn('data_key', 'text').execute();
    await db.schema
      .createTable('kms_keys')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('key_state', 'varchar(32)', (c) => c.notNull())
      .addColumn('key_usage', 'varchar(32)', (c) => c.notNull())
      .addColumn('key_spec', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('deletion_date', 'bigint')
      .addColumn('pending_window_days', 'integer')
      .addColumn('rotation_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('rotation_period_days', 'integer')
      .addColumn('policy', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('kms_keys_account').on('kms_keys').columns(['account_id', 'id']).execute();
    await db.schema
      .createTable('kms_key_material')
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull().references('kms_keys.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('kms_key_material_pk', ['key_id', 'version'])
      .execute();
    await db.schema
      .createTable('kms_aliases')
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('name', 'varchar(256)', (c) => c.notNull())
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull().references('kms_keys.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('kms_aliases_pk', ['account_id', 'name'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['kms_aliases', 'kms_key_material', 'kms_keys', 'blob_keys'])
      await db.schema.dropTable(table).ifExists().execute();
    await db.schema.alterTable('uploads').dropColumn('data_key').execute();
  },
};
