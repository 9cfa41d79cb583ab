// Migration 0007_public_registry: the public registry: public repositories, registries, aliases and
// rate windows.
import type { Kysely, Migration } from 'kysely';

export const publicRegistry: Migration = {
  async up(db: Kysely<any>) {
    // Public repositories are `repositories` rows in the registry key `public:<account>`
    // (metadata/registry-key.ts); these tables hold what only public ones have.
    await db.schema
      .createTable('public_repositories')
      .addColumn('repository_id', 'varchar(64)', (c) =>
        c.primaryKey().references('repositories.id').onDelete('cascade'),
      )
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('description', 'varchar(1024)')
      .addColumn('about_text', 'text')
      .addColumn('usage_text', 'text')
      .addColumn('architectures', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('operating_systems', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('logo_media_type', 'varchar(64)')
      .addColumn('logo', 'text')
      .addColumn('policy_text', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('public_registries')
      .addColumn('account_id', 'varchar(12)', (c) => c.primaryKey())
      .addColumn('display_name', 'varchar(100)', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('registry_aliases')
      .addColumn('name', 'varchar(50)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('status', 'varchar(10)', (c) => c.notNull())
      .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('registry_aliases_account').on('registry_aliases').column('account_id').execute();
    await db.schema
      .createTable('rate_windows')
      .addColumn('key', 'varchar(200)', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_windows_pk', ['key', 'window_start'])
      .execute();
    await db.schema.createIndex('rate_windows_start').on('rate_windows').column('window_start').execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['rate_windows', 'registry_aliases', 'public_registries', 'public_repositories'])
      await db.schema.dropTable(table).ifExists().execute();
  },
};
