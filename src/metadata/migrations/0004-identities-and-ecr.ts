// Migration 0004_identities_and_ecr: accounts, users and access keys; ECR's repository settings,
// image pull times, resource tags and account settings.
import type { Kysely, Migration } from 'kysely';

export const identitiesAndEcr: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'varchar(12)', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('arn', 'varchar(512)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('users_account_name', ['account_id', 'name'])
      .execute();
    await db.schema
      .createTable('access_keys')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(32)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(8)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema.createIndex('access_keys_user').on('access_keys').column('user_id').execute();
    await db.schema
      .alterTable('repositories')
      .addColumn('image_tag_mutability', 'varchar(32)', (c) => c.notNull().defaultTo('MUTABLE'))
      .execute();
    await db.schema.alterTable('repositories').addColumn('tag_mutability_exclusions', 'text').execute();
    await db.schema
      .alterTable('repositories')
      .addColumn('scan_on_push', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('repositories')
      .addColumn('encryption_type', 'varchar(16)', (c) => c.notNull().defaultTo('AES256'))
      .execute();
    await db.schema.alterTable('repositories').addColumn('kms_key', 'varchar(2048)').execute();
    await db.schema.alterTable('manifests').addColumn('last_pulled_at', 'bigint').execute();
    await db.schema
      .createTable('resource_tags')
      .addColumn('resource_arn', 'varchar(1024)', (c) => c.notNull())
      .addColumn('key', 'varchar(128)', (c) => c.notNull())
      .addColumn('value', 'varchar(256)', (c) => c.notNull())
      .addPrimaryKeyConstraint('resource_tags_pk', ['resource_arn', 'key'])
      .execute();
    await db.schema
      .createTable('account_settings')
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('value', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('account_settings_pk', ['account_id', 'name'])
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['account_settings', 'resource_tags', 'access_keys', 'users', 'accounts'])
      await db.schema.dropTable(table).ifExists().execute();
    for (const column of [
      'image_tag_mutability',
      'tag_mutability_exclusions',
      'scan_on_push',
      'encryption_type',
      'kms_key',
    ]) {
      await db.schema.alterTable('repositories').dropColumn(column).execute();
    }
    await db.schema.alterTable('manifests').dropColumn('last_pulled_at').execute();
  },
};
