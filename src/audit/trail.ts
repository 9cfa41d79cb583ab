// The audit trail (issue 24): the HTTP host hands it every request it may record, which it keeps
// in memory and writes in batches — a pull never waits for a row, and the buffer is flushed
// every flushIntervalMs, or sooner once it holds a batch. Events that differ only in time and
// request id are kept and written as one row (runs.ts): a registry request joins its run when it
// is recorded (its description looked up by path and caller), an API call is described at the
// flush (its body parsed and redacted); the CloudTrail event's JSON is made only when LookupEvents
// reads it back, authorized as cloudtrail:LookupEvents. Each repository's pulls and pushes are
// added up per minute as they are recorded (CloudWatch's AWS/ECR RepositoryPullCount and
// RepositoryPushCount), and the flush writes one upsert per repository and minute.
import type { Logger } from 'pino';
import { CloudTrailActions, CloudWatchActions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import type { AuditEvent, AuditQuery, AuditRun, RepositoryCount, RepositoryMetric } from '../domain/records/audit.js';
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
  /** API calls waiting for the flush (few: their bodies are parsed and redacted then). */
  private calls: AuditCall[] = [];
  /** Registry requests (pulls, pushes), gathered into runs as they are recorded. */
  private runs = new RunBuilder(eventIdAt);
  private counts: Counts = new Map();
  /** What a failed flush could not write, written first by the next. */
  private retry: { runs: AuditRun[]; events: number; counts: RepositoryCount[] } | undefined;
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

  /**
   * Keeps the request for the next flush (the request path's only cost). A registry request is
   * made its event's fields at once (described once per path and caller: a lookup) and joins its
   * run, keeping only its time and request id; an API call waits whole for the flush.
   */
  record(call: AuditCall): void {
    if (this.pending >= this.settings.maxBuffered) {
      this.dropped++;
      return;
    }
    if (call.url.startsWith('/v2/')) this.gather(call, this.runs, this.counts);
    else this.calls.push(call);
    if (this.calls.length + this.runs.events >= BATCH) void this.flush();
  }

  private gather(call: AuditCall, runs: RunBuilder, counts: Counts): void {
    try {
      const fields = auditFields(call);
      if (!fields) return;
      if (this.settings.events) runs.add(fields, call.time, call.requestId);
      if (this.settings.counts) countOf(call, fields, counts);
    } catch (err) {
      this.log.warn({ err, url: call.url }, 'an audit event could not be made');
    }
  }

  /** Requests waiting to be written. */
  get pending(): number {
    return this.calls.length + this.runs.events + (this.retry?.events ?? 0);
  }

  /** Writes what is buffered now (waits for a flush under way first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending === 0 && this.counts.size === 0) return;
    const calls = this.calls;
    const runs = this.runs;
    const counts = this.counts;
    this.calls = [];
    this.runs = new RunBuilder(eventIdAt);
    this.counts = new Map();
    this.flushing = this.write(calls, runs, counts).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async write(calls: AuditCall[], runs: RunBuilder, counts: Counts): Promise<void> {
    for (const call of calls) this.gather(call, runs, counts);
    const events = runs.events + (this.retry?.events ?? 0);
    const rows = [...(this.retry?.runs ?? []), ...runs.take()];
    const totals = [...(this.retry?.counts ?? []), ...counts.values()];
    this.retry = undefined;
    try {
      for (let at = 0; at < rows.length; at += BATCH) await this.index.insert(rows.slice(at, at + BATCH));
      this.written += events;
      this.rowsWritten += rows.length;
      if (totals.length > 0) await this.index.addCounts(totals);
    } catch (err) {
      // Kept for the next flush while there is room: a database that is down for a moment loses nothing.
      if (events <= this.settings.maxBuffered) this.retry = { runs: rows, events, counts: totals };
      else this.dropped += events;
      this.log.warn({ err, events }, 'writing audit events failed; kept for the next flush');
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
