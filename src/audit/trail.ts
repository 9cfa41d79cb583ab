// The audit trail (issue 24): the HTTP host hands it every request it may record, which it keeps
// in memory and writes in batches — a pull never waits for a row, and the buffer is flushed
// every flushIntervalMs, or sooner once it holds a batch. Turning requests into compact records
// happens at the flush (the CloudTrail event's JSON only when LookupEvents reads it back), and
// events that differ only in time and request id are written as one row (runs.ts). LookupEvents
// reads the events back, authorized as cloudtrail:LookupEvents.
// The same flush adds up each repository's pulls and pushes per minute (CloudWatch's AWS/ECR
// RepositoryPullCount and RepositoryPushCount), one upsert per repository and minute.
import type { Logger } from 'pino';
import { CloudTrailActions, CloudWatchActions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import type { AuditEvent, AuditQuery, RepositoryCount, RepositoryMetric } from '../domain/records/audit.js';
import type { RequestFacts } from '../domain/request-facts.js';
import type { AuditIndex } from '../metadata/store-audit.js';
import type { AuditCall } from './call.js';
import { auditFields, cloudTrailEvent, eventIdAt } from './event.js';
import { type AuditFields, RunBuilder } from './runs.js';

export interface AuditSettings {
  region: string;
  /** Keep CloudTrail events (audit.enabled). */
  events: boolean;
  /** Keep the per-minute pull and push counts of repositories (metrics.enabled). */
  counts: boolean;
  flushIntervalMs: number;
  /** Events kept waiting for the database at most; beyond that new ones are dropped and counted. */
  maxBuffered: number;
  retentionDays: number;
}

/** A buffer this full is flushed at once; runs are written this many per statement batch. */
const BATCH = 1000;
/** Events deleted per statement by the retention job. */
const PURGE_BATCH = 5000;

type Caller = { principal: AuthenticatedPrincipal; facts?: RequestFacts };

const METRICS: Record<string, RepositoryMetric> = {
  BatchGetImage: 'RepositoryPullCount',
  PutImage: 'RepositoryPushCount',
};

/** A served image pull (a manifest GET, BatchGetImage) or push (PutImage) of a private repository, added to its minute. */
function countOf(call: AuditCall, record: AuditFields, counts: Counts): void {
  const metric = METRICS[record.eventName];
  if (!metric || call.status >= 400 || call.method === 'HEAD') return;
  if (record.eventSource !== 'ecr.amazonaws.com' || record.resourceType !== 'AWS::ECR::Repository') return;
  const repositoryName = record.resourceName!;
  const minute = call.time - (call.time % 60_000);
  const last = counts.last;
  if (
    last &&
    last.minute === minute &&
    last.metric === metric &&
    last.repositoryName === repositoryName &&
    last.accountId === record.accountId
  ) {
    last.count++;
    return;
  }
  const key = `${record.accountId}\0${metric}\0${repositoryName}\0${minute}`;
  let found = counts.get(key);
  if (found) found.count++;
  else {
    found = { accountId: record.accountId, repositoryName, metric, minute, count: 1 };
    counts.set(key, found);
  }
  counts.last = found;
}

/** A flush's counts by key, and the one counted last (the next is most often the same: no key made). */
type Counts = Map<string, RepositoryCount> & { last?: RepositoryCount };

export class AuditTrail {
  private buffer: AuditCall[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Requests dropped because the buffer was full (the database could not keep up). */
  dropped = 0;
  /** Events written since the start. */
  written = 0;
  /** Rows they took (runs: see runs.ts). */
  rowsWritten = 0;

  constructor(
    private readonly index: AuditIndex,
    private readonly authorizer: Authorizer,
    private readonly log: Logger,
    private readonly settings: AuditSettings,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.settings.flushIntervalMs);
    this.timer.unref();
  }

  /** Keeps the request for the next flush (the request path's only cost). */
  record(call: AuditCall): void {
    if (this.buffer.length >= this.settings.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(call);
    if (this.buffer.length === BATCH) void this.flush();
  }

  /** Requests waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Writes what is buffered now (waits for a flush under way first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const calls = this.buffer;
    this.buffer = [];
    this.flushing = this.write(calls).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async write(calls: AuditCall[]): Promise<void> {
    // In time order (calls are buffered as they finish), so that each run's events are.
    calls.sort((a, b) => a.time - b.time);
    const runs = new RunBuilder(eventIdAt);
    const counts: Counts = new Map();
    for (const call of calls) {
      try {
        const fields = auditFields(call);
        if (!fields) continue;
        if (this.settings.events) runs.add(fields, call.time, call.requestId);
        if (this.settings.counts) countOf(call, fields, counts);
      } catch (err) {
        this.log.warn({ err, url: call.url }, 'an audit event could not be made');
      }
    }
    try {
      for (let at = 0; at < runs.runs.length; at += BATCH) await this.index.insert(runs.runs.slice(at, at + BATCH));
      this.written += runs.events;
      this.rowsWritten += runs.runs.length;
      if (counts.size > 0) await this.index.addCounts([...counts.values()]);
    } catch (err) {
      // Kept for the next flush while there is room: a database that is down for a moment loses nothing.
      const room = this.settings.maxBuffered - this.buffer.length;
      this.dropped += Math.max(0, calls.length - room);
      this.buffer = [...calls.slice(0, Math.max(0, room)), ...this.buffer];
      this.log.warn({ err, events: runs.events }, 'writing audit events failed; kept for the next flush');
    }
  }

  /** LookupEvents: the caller's account's events, after this node's buffer is written. */
  async lookup(
    caller: { principal: AuthenticatedPrincipal; facts?: RequestFacts },
    query: Omit<AuditQuery, 'accountId'>,
  ): Promise<AuditEvent[]> {
    await this.authorizer.authorize({
      principal: caller.principal,
      action: CloudTrailActions.LookupEvents,
      resource: '*',
      resourceAccount: caller.principal.accountId,
      ...(caller.facts && { facts: caller.facts }),
    });
    await this.flush();
    const records = await this.index.lookup({ ...query, accountId: caller.principal.accountId });
    return records.map((record) => ({ ...record, event: cloudTrailEvent(record, this.settings.region) }));
  }

  /** GetMetricStatistics' read of a repository's counts, after this node's buffer is written. */
  async repositoryCounts(
    caller: Caller,
    query: { metric: RepositoryMetric; repositoryName: string; from: number; to: number },
  ): Promise<RepositoryCount[]> {
    await this.authorizeMetrics(caller, CloudWatchActions.GetMetricStatistics);
    await this.flush();
    return this.index.counts(caller.principal.accountId, query.metric, query.repositoryName, query.from, query.to);
  }

  /** ListMetrics' read: the repositories with counts of the metric since `from`. */
  async countedRepositories(caller: Caller, metric: RepositoryMetric, from: number): Promise<string[]> {
    await this.authorizeMetrics(caller, CloudWatchActions.ListMetrics);
    await this.flush();
    return this.index.countedRepositories(caller.principal.accountId, metric, from);
  }

  private authorizeMetrics(caller: Caller, action: (typeof CloudWatchActions)[keyof typeof CloudWatchActions]) {
    return this.authorizer.authorize({
      principal: caller.principal,
      action,
      resource: '*',
      resourceAccount: caller.principal.accountId,
      ...(caller.facts && { facts: caller.facts }),
    });
  }

  /** Deletes events (and repository counts) past the retention; how many events went (the periodic job). */
  async purge(now: number): Promise<number> {
    const before = now - this.settings.retentionDays * 86_400_000;
    await this.index.deleteCountsBefore(before);
    let deleted = 0;
    for (;;) {
      // Counted in events, deleted in runs of them: done when a batch finds none.
      const batch = await this.index.deleteBefore(before, PURGE_BATCH);
      deleted += batch;
      if (batch === 0) return deleted;
    }
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
