// The audit trail over the query builder (part of kysely-store.ts). A row is a run of events that
// differ only in time and request id (domain/records/audit.ts): the first event's columns, the
// last event's time, and the others' times and request ids (audit-others.ts). Lookups read runs newest
// last event first and spread them into events.
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import {
  type AuditAttribute,
  type AuditQuery,
  type AuditRecord,
  type AuditRun,
  auditIdPrefix,
  MAX_RUN_SPAN_MS,
  type RepositoryCount,
  type RepositoryMetric,
  runEvent,
  runEventTime,
  runEvents,
  runIdOf,
  runLength,
} from '../domain/records/audit.js';
import { decodeOthers, encodeOthers } from './audit-others.js';
import type { AuditTrailTable, Database } from './schema.js';
import type { AuditIndex } from './store-audit.js';

type Db = Kysely<Database>;

/** Rows per insert statement (20 columns: PostgreSQL allows 65535 parameters, SQLite 32766). */
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
  'last_time',
  'event_count',
  'others',
];
/** Runs a lookup reads with its first statement, doubled for each next one up to MAX_LOOKUP_ROWS (a run may hold thousands of events: one often fills a page). */
const FIRST_LOOKUP_ROWS = 8;
const MAX_LOOKUP_ROWS = 256;

const COLUMNS: Record<Exclude<AuditAttribute, 'ReadOnly'>, keyof AuditTrailTable> = {
  EventId: 'event_id',
  EventName: 'event_name',
  Username: 'username',
  ResourceType: 'resource_type',
  ResourceName: 'resource_name',
  EventSource: 'event_source',
  AccessKeyId: 'access_key_id',
};

function toRun(row: Selectable<AuditTrailTable>): AuditRun {
  const run: AuditRun = {
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
  if (row.others !== null) run.others = decodeOthers(run.eventTime, row.others);
  return run;
}

/** Newest first, ties by id descending: LookupEvents' order. */
function newestFirst(a: AuditRecord, b: AuditRecord): number {
  return b.eventTime - a.eventTime || (a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0);
}

/** The event is in the query's range and after its cursor. */
function wanted(event: AuditRecord, query: AuditQuery): boolean {
  if (event.eventTime < query.startTime || event.eventTime > query.endTime) return false;
  const after = query.after;
  return !after || newestFirst(event, after as AuditRecord) > 0;
}

/** The run's newest `limit` events in the query's range and after its cursor (its events are in time order), added to `out`. */
function addWanted(run: AuditRun, query: AuditQuery, out: AuditRecord[]): void {
  let added = 0;
  for (let k = runLength(run) - 1; k >= 0 && added < query.limit; k--) {
    const time = runEventTime(run, k);
    if (time < query.startTime) return;
    if (time > query.endTime || (query.after && time > query.after.eventTime)) continue;
    const event = runEvent(run, k);
    if (!wanted(event, query)) continue;
    out.push(event);
    added++;
  }
}

/** A run's values in EVENT_COLUMNS' order, appended to `out`. */
function pushValues(out: unknown[], e: AuditRun): void {
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
    e.others?.length ? e.others.at(-1)!.eventTime : e.eventTime,
    1 + (e.others?.length ?? 0),
    encodeOthers(e.eventTime, e.others),
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

  async insert(events: readonly AuditRun[]): Promise<void> {
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
    const attribute = query.attribute;
    if (attribute?.key === 'EventId') return this.lookupId(query, attribute.value);
    // A run holds events from its first (event_time) to its last (last_time), at most
    // MAX_RUN_SPAN_MS apart: runs are read by their last event, newest first, until the page is
    // full and no run left can hold a newer event than its last.
    const upper = query.after ? Math.min(query.endTime, query.after.eventTime) : query.endTime;
    let rows = FIRST_LOOKUP_ROWS;
    const found: AuditRecord[] = [];
    let from: { lastTime: number; eventId: string } | undefined;
    for (;;) {
      let select = this.db
        .selectFrom('audit_trail')
        .selectAll()
        .where('account_id', '=', query.accountId)
        .where('last_time', '>=', query.startTime)
        .where('last_time', '<=', upper + MAX_RUN_SPAN_MS)
        .where('event_time', '<=', upper);
      if (attribute?.key === 'ReadOnly') select = select.where('read_only', '=', attribute.value === 'true' ? 1 : 0);
      else if (attribute) select = select.where(COLUMNS[attribute.key], '=', attribute.value);
      const at = from;
      if (at)
        select = select.where((eb) =>
          eb.or([
            eb('last_time', '<', at.lastTime),
            eb.and([eb('last_time', '=', at.lastTime), eb('event_id', '<', at.eventId)]),
          ]),
        );
      const page = await select.orderBy('last_time', 'desc').orderBy('event_id', 'desc').limit(rows).execute();
      for (const row of page) addWanted(toRun(row), query, found);
      found.sort(newestFirst);
      if (found.length > query.limit) found.length = query.limit;
      const last = page.at(-1);
      if (page.length < rows || !last) return found;
      from = { lastTime: Number(last.last_time), eventId: last.event_id };
      rows = Math.min(rows * 2, MAX_LOOKUP_ROWS);
      // Runs not read yet end at or before this one: none holds an event newer than the page's last.
      if (found.length === query.limit && found.at(-1)!.eventTime > from.lastTime) return found;
    }
  }

  /** The event by its id: its run's first event, or one after it (the run's id is the event's with its number cleared). */
  private async lookupId(query: AuditQuery, eventId: string): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('audit_trail')
      .selectAll()
      .where('account_id', '=', query.accountId)
      .where('event_id', 'in', [eventId, runIdOf(eventId)])
      .execute();
    const found = rows.flatMap((row) =>
      runEvents(toRun(row)).filter((event) => event.eventId === eventId && wanted(event, query)),
    );
    return found.slice(0, query.limit);
  }

  async deleteBefore(before: number, limit: number): Promise<number> {
    // Run ids start with their first event's millisecond in hex (UUIDv7): the primary key orders
    // them by time, so no index on the time is kept for the retention alone. A run goes once its
    // last event is past the retention (its older events stay up to MAX_RUN_SPAN_MS longer).
    const runs = await this.db
      .selectFrom('audit_trail')
      .select(['event_id', 'event_count'])
      .where('event_id', '<', auditIdPrefix(before))
      .where('last_time', '<', before)
      .orderBy('event_id')
      .limit(limit)
      .execute();
    if (runs.length === 0) return 0;
    await this.db
      .deleteFrom('audit_trail')
      .where(
        'event_id',
        'in',
        runs.map((r) => r.event_id),
      )
      .execute();
    return runs.reduce((sum, r) => sum + Number(r.event_count), 0);
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
