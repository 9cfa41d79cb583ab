// Migration 0022_pull_through_cache: ECR's pull-through cache rules, when each cached tag was
// last checked upstream, and the leases that make one node fetch a blob while the others wait.
import type { Kysely, Migration } from 'kysely';

export const pullThroughCache: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('pull_through_rules')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('prefix', 'varchar(64)', (c) => c.notNull())
      .addColumn('upstream_registry_url', 'varchar(2048)', (c) => c.notNull())
      .addColumn('upstream_registry', 'varchar(64)')
      .addColumn('credential_arn', 'varchar(2048)')
      .addColumn('custom_role_arn', 'varchar(2048)')
      .addColumn('upstream_repository_prefix', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pull_through_rules_pk', ['account_id', 'prefix'])
      .execute();
    await db.schema
      .createTable('pull_through_tag_checks')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('tag', 'varchar(256)', (c) => c.notNull())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pull_through_tag_checks_pk', ['repository_id', 'tag'])
      .execute();
    await db.schema
      .createTable('pull_through_fetches')
      .addColumn('fetch_key', 'varchar(512)', (c) => c.primaryKey())
      .addColumn('holder', 'varchar(256)', (c) => c.notNull())
      .addColumn('until', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('pull_through_fetches').ifExists().execute();
    await db.schema.dropTable('pull_through_tag_checks').ifExists().execute();
    await db.schema.dropTable('pull_through_rules').ifExists().execute();
  },
};
