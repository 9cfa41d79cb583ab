// Migration 0030_compact_audit: the audit trail kept as compact columns instead of each event's
// whole CloudTrail JSON (the JSON is built when LookupEvents reads an event), with three
// secondary indexes instead of eight: (account, time, id) for every page, and (account, event
// name, time) and (account, resource name, time) for the selective lookups; the other attributes
// filter the account's time range. Retention deletes by the primary key (event ids sort by time).
// Events of 0024's table are carried over, their JSON read back into the columns.
import type { Kysely, Migration } from 'kysely';

const COPY_BATCH = 500;

interface OldRow {
  event_id: string;
  event_time: number | string;
  account_id: string;
  event_name: string;
  event_source: string;
  read_only: number;
  username: string | null;
  access_key_id: string | null;
  resource_type: string | null;
  resource_name: string | null;
  event: string;
}

function converted(row: OldRow): Record<string, unknown> {
  let event: Record<string, any> = {};
  try {
    event = JSON.parse(row.event) as Record<string, any>;
  } catch {}
  const identity = event.userIdentity as { type?: string } | undefined;
  return {
    event_id: row.event_id,
    event_time: Number(row.event_time),
    account_id: row.account_id,
    event_name: row.event_name,
    event_source: row.event_source,
    read_only: Number(row.read_only),
    username: row.username,
    access_key_id: row.access_key_id,
    resource_type: row.resource_type,
    resource_name: row.resource_name,
    identity: identity && identity.type !== 'Unknown' ? JSON.stringify(identity) : null,
    source_ip: typeof event.sourceIPAddress === 'string' ? event.sourceIPAddress : '',
    user_agent: typeof event.userAgent === 'string' ? event.userAgent : null,
    request_id: typeof event.requestID === 'string' ? event.requestID : '',
    parameters: event.requestParameters ? JSON.stringify(event.requestParameters) : null,
    error_code: typeof event.errorCode === 'string' ? event.errorCode : null,
    error_message: typeof event.errorMessage === 'string' ? event.errorMessage : null,
  };
}

export const compactAudit: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('audit_trail')
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
      .addColumn('identity', 'text')
      .addColumn('source_ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('request_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('parameters', 'text')
      .addColumn('error_code', 'varchar(256)')
      .addColumn('error_message', 'text')
      .execute();
    await db.schema
      .createIndex('audit_trail_account_time')
      .on('audit_trail')
      .columns(['account_id', 'event_time', 'event_id'])
      .execute();
    for (const column of ['event_name', 'resource_name'])
      await db.schema
        .createIndex(`audit_trail_${column}`)
        .on('audit_trail')
        .columns(['account_id', column, 'event_time'])
        .execute();
    let after = '';
    for (;;) {
      const rows = (await db
        .selectFrom('audit_events')
        .selectAll()
        .where('event_id', '>', after)
        .orderBy('event_id')
        .limit(COPY_BATCH)
        .execute()) as OldRow[];
      if (rows.length === 0) break;
      await db.insertInto('audit_trail').values(rows.map(converted)).execute();
      after = rows.at(-1)!.event_id;
    }
    await db.schema.dropTable('audit_events').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('audit_trail').ifExists().execute();
  },
};
