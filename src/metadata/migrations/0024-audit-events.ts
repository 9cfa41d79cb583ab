// Migration 0024_audit_events: the audit trail's CloudTrail events (issue 24), with an index per
// lookup attribute, each with the time for newest-first pages; and the per-minute pull and push
// counts of each repository (CloudWatch's RepositoryPullCount and RepositoryPushCount).
import type { Kysely, Migration } from 'kysely';

const LOOKUP_COLUMNS = ['event_name', 'event_source', 'username', 'access_key_id', 'resource_name', 'resource_type'];

export const auditEvents: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('audit_events')
      .addColumn('event_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('event_time', 'bigint', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('event_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('event_source', 'varchar(128)', (c) => c.notNull())
      .addColumn('read_only', 'integer', (c) => c.notNull())
      .addColumn('username', 'varchar(2048)')
      .addColumn('access_key_id', 'varchar(128)')
      .addColumn('resource_type', 'varchar(128)')
      .addColumn('resource_name', 'varchar(2048)')
      .addColumn('event', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_events_time').on('audit_events').columns(['event_time']).execute();
    await db.schema
      .createIndex('audit_events_account_time')
      .on('audit_events')
      .columns(['account_id', 'event_time', 'event_id'])
      .execute();
    for (const column of LOOKUP_COLUMNS)
      await db.schema
        .createIndex(`audit_events_${column}`)
        .on('audit_events')
        .columns(['account_id', column, 'event_time'])
        .execute();
    await db.schema
      .createTable('repository_metric_counts')
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('repository_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('metric', 'varchar(64)', (c) => c.notNull())
      .addColumn('minute', 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_metric_counts_pk', ['account_id', 'metric', 'repository_name', 'minute'])
      .execute();
    await db.schema
      .createIndex('repository_metric_counts_minute')
      .on('repository_metric_counts')
      .columns(['minute'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('repository_metric_counts').ifExists().execute();
    await db.schema.dropTable('audit_events').ifExists().execute();
  },
};
