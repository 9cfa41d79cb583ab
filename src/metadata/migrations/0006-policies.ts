// Migration 0006_policies: resource-based and identity-based policies, and their attachments.
import type { Kysely, Migration } from 'kysely';

export const policies: Migration = {
  async up(db: Kysely<any>) {
    // Resource-based policies: one per repository (gone with it), one per registry (account).
    await db.schema
      .createTable('repository_policies')
      .addColumn('repository_id', 'varchar(64)', (c) =>
        c.primaryKey().references('repositories.id').onDelete('cascade'),
      )
      .addColumn('policy_text', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('registry_policies')
      .addColumn('account_id', 'varchar(12)', (c) => c.primaryKey())
      .addColumn('policy_text', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // Identity-based policies. Owners are users or roles (owner_type 'user' | 'role', owner_id
    // their unique id); no foreign key, as roles live in their own table: whoever deletes an
    // owner deletes its rows here in the same transaction.
    await db.schema
      .createTable('inline_policies')
      .addColumn('owner_type', 'varchar(8)', (c) => c.notNull())
      .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('policy_text', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('inline_policies_pk', ['owner_type', 'owner_id', 'name'])
      .execute();
    await db.schema
      .createTable('managed_policies')
      .addColumn('arn', 'varchar(512)', (c) => c.primaryKey())
      .addColumn('id', 'varchar(32)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('path', 'varchar(512)', (c) => c.notNull())
      .addColumn('description', 'varchar(1000)')
      .addColumn('policy_text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('managed_policies_account_name', ['account_id', 'name'])
      .execute();
    // Attachments name the policy by ARN: a customer managed policy of managed_policies, or an
    // AWS managed one (arn:aws:iam::aws:policy/…), which is built in and has no row.
    await db.schema
      .createTable('policy_attachments')
      .addColumn('owner_type', 'varchar(8)', (c) => c.notNull())
      .addColumn('owner_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('policy_arn', 'varchar(512)', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_attachments_pk', ['owner_type', 'owner_id', 'policy_arn'])
      .execute();
    await db.schema.createIndex('policy_attachments_policy').on('policy_attachments').column('policy_arn').execute();
  },
  async down(db: Kysely<any>) {
    for (const table of [
      'policy_attachments',
      'managed_policies',
      'inline_policies',
      'registry_policies',
      'repository_policies',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
