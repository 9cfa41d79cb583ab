// Migration 0028_signing: ECR managed signing's configuration per registry, each image's signing
// status per signing profile (also the outbox of signings to do), and the repositories whose
// pulls require a valid signature (issue 25).
import type { Kysely, Migration } from 'kysely';

export const signing: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('signing_configurations')
      .addColumn('account_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('image_signing_statuses')
      .addColumn('repository_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('digest', 'varchar(256)', (c) => c.notNull())
      .addColumn('signing_profile_arn', 'varchar(256)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(512)', (c) => c.notNull())
      .addColumn('key_arn', 'varchar(2048)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('failure_code', 'varchar(64)')
      .addColumn('failure_reason', 'text')
      .addColumn('signature_digest', 'varchar(256)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_signing_statuses_pk', ['repository_id', 'digest', 'signing_profile_arn'])
      .execute();
    await db.schema
      .createIndex('image_signing_statuses_status')
      .on('image_signing_statuses')
      .columns(['status', 'updated_at'])
      .execute();
    await db.schema
      .createTable('signature_requirements')
      .addColumn('repository_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('key_arns', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('signature_requirements').ifExists().execute();
    await db.schema.dropTable('image_signing_statuses').ifExists().execute();
    await db.schema.dropTable('signing_configurations').ifExists().execute();
  },
};
