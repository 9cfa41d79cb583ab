// The audit trail over the query builder (part of kysely-store.ts).
import type { Kysely, Selectable } from 'kysely';
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

const toRow = (e: AuditRecord): AuditTrailTable => ({
  event_id: e.eventId,
  event_time: e.eventTime,
  account_id: e.accountId,
  event_name: e.eventName,
  event_source: e.eventSource,
  read_only: e.readOnly ? 1 : 0,
  username: e.username,
  access_key_id: e.accessKeyId,
  resource_type: e.resourceType,
  resource_name: e.resourceName,
  identity: e.identity,
  source_ip: e.sourceIp,
  user_agent: e.userAgent,
  request_id: e.requestId,
  parameters: e.parameters,
  error_code: e.errorCode,
  error_message: e.errorMessage,
});

export class KyselyAudit implements AuditIndex {
  constructor(private readonly db: Db) {}

  async insert(events: readonly AuditRecord[]): Promise<void> {
    for (let at = 0; at < events.length; at += INSERT_CHUNK) {
      const rows = events.slice(at, at + INSERT_CHUNK).map(toRow);
      await this.db
        .insertInto('audit_trail')
        .values(rows)
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
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
