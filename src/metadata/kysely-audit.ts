// The audit trail over the query builder (part of kysely-store.ts).
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import {
  type AuditAttribute,
  type AuditQuery,
  type AuditRecord,
  auditIdPrefix,
  type RepositoryCount,
  type RepositoryMetric,
} from '../domain/records/audit.js';
import type { AuditTrailTable, Database } from './schema.js';
import type { AuditIndex } from './store-audit.js';

type Db = Kysely<Database>;

/** Rows per insert statement (17 columns: PostgreSQL allows 65535 parameters, SQLite 32766). */
const INSERT_CHUNK = 1000;
/**
 * The sizes events are inserted in: a batch of any length is a few statements of these (537 is
 * 500 + 20 + 5 + 5 + 5 + 1 + 1), each compiled once, so the same few SQL texts are prepared and
 * cached, and the query builder does not parse and compile thousands of values per flush.
 */
const EVENT_CHUNKS = [500, 100, 20, 5, 1];
const EVENT_COLUMNS: readonly (keyof AuditTrailTable)[] = [
  'event_id',
  'event_time',
  'account_id',
  'event_name',
  'event_source',
  'read_only',
  'username',
  'access_key_id',
  'resource_type',
  'resource_name',
  'identity',
  'source_ip',
  'user_agent',
  'request_id',
  'parameters',
  'error_code',
  'error_message',
];

const COLUMNS: Record<Exclude<AuditAttribute, 'ReadOnly'>, keyof AuditTrailTable> = {
  EventId: 'event_id',
  EventName: 'event_name',
  Username: 'username',
  ResourceType: 'resource_type',
  ResourceName: 'resource_name',
  EventSource: 'event_source',
  AccessKeyId: 'access_key_id',
};

function toRecord(row: Selectable<AuditTrailTable>): AuditRecord {
  return {
    eventId: row.event_id,
    eventTime: Number(row.event_time),
    accountId: row.account_id,
    eventName: row.event_name,
    eventSource: row.event_source,
    readOnly: Number(row.read_only) === 1,
    username: row.username,
    accessKeyId: row.access_key_id,
    resourceType: row.resource_type,
    resourceName: row.resource_name,
    identity: row.identity,
    sourceIp: row.source_ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    parameters: row.parameters,
    errorCode: row.error_code,
    errorMessage: row.error_message,
  };
}

/** A record's values in EVENT_COLUMNS' order, appended to `out`. */
function pushValues(out: unknown[], e: AuditRecord): void {
  out.push(
    e.eventId,
    e.eventTime,
    e.accountId,
    e.eventName,
    e.eventSource,
    e.readOnly ? 1 : 0,
    e.username,
    e.accessKeyId,
    e.resourceType,
    e.resourceName,
    e.identity,
    e.sourceIp,
    e.userAgent,
    e.requestId,
    e.parameters,
    e.errorCode,
    e.errorMessage,
  );
}

export class KyselyAudit implements AuditIndex {
  private readonly inserts = new Map<number, string>();

  constructor(private readonly db: Db) {}

  /** The insert of `rows` events, compiled once per size (the builder's placeholders for this database). */
  private insertSql(rows: number): string {
    let text = this.inserts.get(rows);
    if (text === undefined) {
      const row = Object.fromEntries(EVENT_COLUMNS.map((c) => [c, null])) as unknown as AuditTrailTable;
      const compiled = this.db
        .insertInto('audit_trail')
        .values(Array.from({ length: rows }, () => row))
        .onConflict((oc) => oc.column('event_id').doNothing())
        .compile();
      if (compiled.parameters.length !== rows * EVENT_COLUMNS.length)
        throw new Error(`the audit insert compiled to ${compiled.parameters.length} parameters`);
      text = compiled.sql;
      this.inserts.set(rows, text);
    }
    return text;
  }

  async insert(events: readonly AuditRecord[]): Promise<void> {
    let at = 0;
    for (const size of EVENT_CHUNKS) {
      while (events.length - at >= size) {
        const parameters: unknown[] = [];
        for (let i = at; i < at + size; i++) pushValues(parameters, events[i]!);
        await this.db.executeQuery(CompiledQuery.raw(this.insertSql(size), parameters));
        at += size;
      }
    }
  }

  async lookup(query: AuditQuery): Promise<AuditRecord[]> {
    let select = this.db
      .selectFrom('audit_trail')
      .selectAll()
      .where('account_id', '=', query.accountId)
      .where('event_time', '>=', query.startTime)
      .where('event_time', '<=', query.endTime);
    const attribute = query.attribute;
    if (attribute?.key === 'ReadOnly') select = select.where('read_only', '=', attribute.value === 'true' ? 1 : 0);
    else if (attribute) select = select.where(COLUMNS[attribute.key], '=', attribute.value);
    const after = query.after;
    if (after)
      select = select.where((eb) =>
        eb.or([
          eb('event_time', '<', after.eventTime),
          eb.and([eb('event_time', '=', after.eventTime), eb('event_id', '<', after.eventId)]),
        ]),
      );
    const rows = await select.orderBy('event_time', 'desc').orderBy('event_id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }

  async deleteBefore(before: number, limit: number): Promise<number> {
    // Event ids start with their millisecond in hex (UUIDv7): the primary key orders them by time,
    // so no index on the time is kept for the retention alone.
    const ids = await this.db
      .selectFrom('audit_trail')
      .select('event_id')
      .where('event_id', '<', auditIdPrefix(before))
      .orderBy('event_id')
      .limit(limit)
      .execute();
    if (ids.length === 0) return 0;
    const result = await this.db
      .deleteFrom('audit_trail')
      .where(
        'event_id',
        'in',
        ids.map((r) => r.event_id),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }

  async addCounts(counts: readonly RepositoryCount[]): Promise<void> {
    for (let at = 0; at < counts.length; at += INSERT_CHUNK) {
      const rows = counts.slice(at, at + INSERT_CHUNK).map((c) => ({
        account_id: c.accountId,
        repository_name: c.repositoryName,
        metric: c.metric,
        minute: c.minute,
        count: c.count,
      }));
      await this.db
        .insertInto('repository_metric_counts')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'metric', 'repository_name', 'minute'])
            .doUpdateSet((eb) => ({ count: eb('repository_metric_counts.count', '+', eb.ref('excluded.count')) })),
        )
        .execute();
    }
  }

  async counts(
    accountId: string,
    metric: RepositoryMetric,
    repositoryName: string | undefined,
    from: number,
    to: number,
  ): Promise<RepositoryCount[]> {
    let select = this.db
      .selectFrom('repository_metric_counts')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('metric', '=', metric)
      .where('minute', '>=', from)
      .where('minute', '<', to);
    if (repositoryName !== undefined) select = select.where('repository_name', '=', repositoryName);
    const rows = await select.orderBy('repository_name').orderBy('minute').execute();
    return rows.map((r) => ({
      accountId: r.account_id,
      repositoryName: r.repository_name,
      metric: r.metric as RepositoryMetric,
      minute: Number(r.minute),
      count: Number(r.count),
    }));
  }

  async countedRepositories(accountId: string, metric: RepositoryMetric, from: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('repository_metric_counts')
      .select('repository_name')
      .distinct()
      .where('account_id', '=', accountId)
      .where('metric', '=', metric)
      .where('minute', '>=', from)
      .orderBy('repository_name')
      .execute();
    return rows.map((r) => r.repository_name);
  }

  async deleteCountsBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom('repository_metric_counts').where('minute', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }
}
