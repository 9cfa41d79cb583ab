// The metadata port's index of the audit trail (issue 24): events written in batches of runs, looked up
// newest first by account, time range and one attribute, deleted past their retention; and the
// per-minute pull and push counts of repositories (CloudWatch's AWS/ECR metrics).
import type { AuditQuery, AuditRecord, AuditRun, RepositoryCount, RepositoryMetric } from '../domain/records/audit.js';

export interface AuditIndex {
  /** Adds runs of events, a row each (a batch; run ids are unique, one already stored is skipped). */
  insert(runs: readonly AuditRun[]): Promise<void>;
  /** The account's events in the range matching the attribute, newest first (ties by id, descending). */
  lookup(query: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes up to `limit` runs whose events are all older than `before` (found by their ids: see auditIdPrefix); how many events went. */
  deleteBefore(before: number, limit: number): Promise<number>;
  /** Adds counts to the minutes' totals (several nodes add to the same minute). */
  addCounts(counts: readonly RepositoryCount[]): Promise<void>;
  /** The account's counts of the metric from `from` (inclusive) to `to` (exclusive), by minute; one repository or all. */
  counts(
    accountId: string,
    metric: RepositoryMetric,
    repositoryName: string | undefined,
    from: number,
    to: number,
  ): Promise<RepositoryCount[]>;
  /** The account's repositories with counts of the metric from `from` on, by name. */
  countedRepositories(accountId: string, metric: RepositoryMetric, from: number): Promise<string[]>;
  /** Deletes counts of minutes before `before`; how many rows went. */
  deleteCountsBefore(before: number): Promise<number>;
}
