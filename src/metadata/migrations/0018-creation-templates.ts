// Migration 0018_creation_templates: ECR's repository creation templates.
import type { Kysely, Migration } from 'kysely';

export const creationTemplates: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('repository_creation_templates')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('prefix', 'varchar(256)', (c) => c.notNull())
      .addColumn('description', 'varchar(256)')
      .addColumn('encryption_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('kms_key', 'varchar(2048)')
      .addColumn('resource_tags', 'text', (c) => c.notNull())
      .addColumn('image_tag_mutability', 'varchar(32)', (c) => c.notNull())
      .addColumn('tag_mutability_exclusions', 'text')
      .addColumn('repository_policy', 'text')
      .addColumn('lifecycle_policy', 'text')
      .addColumn('applied_for', 'text', (c) => c.notNull())
      .addColumn('custom_role_arn', 'varchar(2048)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_creation_templates_pk', ['account_id', 'prefix'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('repository_creation_templates').ifExists().execute();
  },
};
