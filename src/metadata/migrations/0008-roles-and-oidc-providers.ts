// Migration 0008_roles_and_oidc_providers: IAM roles and OpenID Connect providers.
import type { Kysely, Migration } from 'kysely';

export const rolesAndOidcProviders: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('roles')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('path', 'varchar(512)', (c) => c.notNull())
      .addColumn('arn', 'varchar(1024)', (c) => c.notNull())
      .addColumn('trust_policy', 'text', (c) => c.notNull())
      .addColumn('description', 'varchar(1000)')
      .addColumn('max_session_duration', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('roles_account_name', ['account_id', 'name'])
      .execute();
    await db.schema
      .createTable('oidc_providers')
      .addColumn('arn', 'varchar(1024)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('url', 'varchar(512)', (c) => c.notNull())
      .addColumn('client_ids', 'text', (c) => c.notNull())
      .addColumn('thumbprints', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oidc_providers_account').on('oidc_providers').column('account_id').execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['oidc_providers', 'roles']) await db.schema.dropTable(table).ifExists().execute();
  },
};
