// The metadata port's index of the audit trail (issue 24): events written in batches, looked up
// newest first by account, time range and one attribute, deleted past their retention.
import type { AuditQuery, AuditRecord } from '../domain/records/audit.js';

export interface AuditIndex {
  /** Adds events (a batch; ids are unique, one already stored is skipped). */
  insert(events: readonly AuditRecord[]): Promise<void>;
  /** The account's events in the range matching the attribute, newest first (ties by id, descending). */
  lookup(query: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes up to `limit` events older than `before`; how many went. */
  deleteBefore(before: number, limit: number): Promise<number>;
}
