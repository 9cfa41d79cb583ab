// Migration 0020_secrets: Secrets Manager's secrets and their versions (issue 22).
import type { Kysely, Migration } from 'kysely';

export const secrets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('secrets')
      .addColumn('id', 'varchar(600)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(512)', (c) => c.notNull())
      .addColumn('arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('kms_key_arn', 'varchar(2048)')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('policy', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('accessed_at', 'bigint')
      .addColumn('deleted_at', 'bigint')
      .addUniqueConstraint('secrets_account_name', ['account_id', 'name'])
      .execute();
    await db.schema.createIndex('secrets_arn').on('secrets').column('arn').execute();
    await db.schema.createIndex('secrets_deleted_at').on('secrets').column('deleted_at').execute();
    await db.schema
      .createTable('secret_versions')
      .addColumn('secret_id', 'varchar(600)', (c) => c.notNull())
      .addColumn('version_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('stages', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_versions_pk', ['secret_id', 'version_id'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('secret_versions').ifExists().execute();
    await db.schema.dropTable('secrets').ifExists().execute();
  },
};
