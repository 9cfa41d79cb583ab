// Migration 0035_audit_runs: a row of the audit trail holds a run of events that differ only in
// time and request id (a client pulling one image again and again): the last event's time, how
// many there are, and the others' times and request ids. The indexes lead with the account and
// end with the last event's time, which lookups read runs by. Rows already there are runs of one.
import { type Kysely, type Migration, sql } from 'kysely';

const ATTRIBUTES = ['event_name', 'resource_name'];

export const auditRuns: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('audit_trail')
      .addColumn('last_time', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('audit_trail')
      .addColumn('event_count', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable('audit_trail').addColumn('others', 'text').execute();
    await sql`update audit_trail set last_time = event_time`.execute(db);
    await db.schema.dropIndex('audit_trail_account_time').execute();
    for (const column of ATTRIBUTES) await db.schema.dropIndex(`audit_trail_${column}`).execute();
    await db.schema
      .createIndex('audit_trail_account_last')
      .on('audit_trail')
      .columns(['account_id', 'last_time', 'event_id'])
      .execute();
    for (const column of ATTRIBUTES)
      await db.schema
        .createIndex(`audit_trail_${column}_last`)
        .on('audit_trail')
        .columns(['account_id', column, 'last_time'])
        .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('audit_trail_account_last').execute();
    for (const column of ATTRIBUTES) await db.schema.dropIndex(`audit_trail_${column}_last`).execute();
    await db.schema
      .createIndex('audit_trail_account_time')
      .on('audit_trail')
      .columns(['account_id', 'event_time', 'event_id'])
      .execute();
    for (const column of ATTRIBUTES)
      await db.schema
        .createIndex(`audit_trail_${column}`)
        .on('audit_trail')
        .columns(['account_id', column, 'event_time'])
        .execute();
    for (const column of ['others', 'event_count', 'last_time'])
      await db.schema.alterTable('audit_trail').dropColumn(column).execute();
  },
};
