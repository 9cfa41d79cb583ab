// Migration 0014_lifecycle: ECR's lifecycle policies and their previews, the record of what
// lifecycle did, the pull time update exclusions, and the pulls of runtime principals.
import type { Kysely, Migration } from 'kysely';

export const lifecycle: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('lifecycle_policies')
      .addColumn('repository_id', 'varchar(64)', (c) =>
        c.primaryKey().references('repositories.id').onDelete('cascade'),
      )
      .addColumn('policy_text', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('last_evaluated_at', 'bigint')
      .execute();
    // The latest preview of a repository; results is the plan as JSON once it is COMPLETE.
    await db.schema
      .createTable('lifecycle_previews')
      .addColumn('repository_id', 'varchar(64)', (c) =>
        c.primaryKey().references('repositories.id').onDelete('cascade'),
      )
      .addColumn('policy_text', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('results', 'text')
      .execute();
    // What lifecycle did, kept after the repository is gone (no foreign key).
    await db.schema
      .createTable('lifecycle_actions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('rule_priority', 'integer', (c) => c.notNull())
      .addColumn('action', 'varchar(16)', (c) => c.notNull())
      .addColumn('actor', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('lifecycle_actions_repository')
      .on('lifecycle_actions')
      .columns(['repository_id', 'at'])
      .execute();
    await db.schema
      .createTable('pull_time_exclusions')
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('principal_arn', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pull_time_exclusions_pk', ['account_id', 'principal_arn'])
      .execute();
    await db.schema
      .createTable('principal_pulls')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
      .addColumn('digest', 'varchar(200)', (c) => c.notNull())
      .addColumn('principal_arn', 'varchar(256)', (c) => c.notNull())
      .addColumn('last_pulled_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('principal_pulls_pk', ['repository_id', 'digest', 'principal_arn'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('principal_pulls').execute();
    await db.schema.dropTable('pull_time_exclusions').execute();
    await db.schema.dropTable('lifecycle_actions').execute();
    await db.schema.dropTable('lifecycle_previews').execute();
    await db.schema.dropTable('lifecycle_policies').execute();
  },
};
