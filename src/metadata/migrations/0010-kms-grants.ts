// Migration 0010_kms_grants: KMS grants.
import type { Kysely, Migration } from 'kysely';

export const kmsGrants: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('kms_grants')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull().references('kms_keys.id').onDelete('cascade'))
      .addColumn('name', 'varchar(256)')
      .addColumn('grantee_principal', 'varchar(256)', (c) => c.notNull())
      .addColumn('retiring_principal', 'varchar(256)')
      .addColumn('issuing_account', 'varchar(12)', (c) => c.notNull())
      .addColumn('operations', 'text', (c) => c.notNull())
      .addColumn('grant_constraints', 'text')
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('kms_grants_key_grantee')
      .on('kms_grants')
      .columns(['key_id', 'grantee_principal'])
      .execute();
    await db.schema.createIndex('kms_grants_retiring').on('kms_grants').columns(['retiring_principal', 'id']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('kms_grants').ifExists().execute();
  },
};
