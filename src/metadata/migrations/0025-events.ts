// Migration 0025_events: EventBridge-shaped rules per account, their webhook targets, and the
// outbox of deliveries (one row per event and target) that workers on any node lease.
import type { Kysely, Migration } from 'kysely';

export const events: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('event_rules')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('pattern', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('description', 'varchar(512)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_rules_pk', ['account_id', 'name'])
      .execute();
    await db.schema
      .createTable('event_targets')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('rule_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('url', 'varchar(1600)', (c) => c.notNull())
      .addColumn('secret', 'varchar(512)', (c) => c.notNull())
      .addColumn('format', 'varchar(32)', (c) => c.notNull())
      .addColumn('headers', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('event_targets_pk', ['account_id', 'rule_name', 'target_id'])
      .execute();
    await db.schema
      .createTable('event_deliveries')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('rule_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'varchar(1024)')
      .addColumn('locked_by', 'varchar(128)')
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('event_deliveries_due')
      .on('event_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('event_deliveries_account')
      .on('event_deliveries')
      .columns(['account_id', 'status', 'created_at'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('event_deliveries').ifExists().execute();
    await db.schema.dropTable('event_targets').ifExists().execute();
    await db.schema.dropTable('event_rules').ifExists().execute();
  },
};
