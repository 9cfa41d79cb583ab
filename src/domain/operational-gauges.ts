// What an operator watches of the work waiting in the database (GET /metrics): upload sessions,
// the job queue, the replication outbox and garbage collection's pending deletions.

export interface OperationalGauges {
  /** Upload sessions open now (not yet completed, cancelled or expired). */
  uploadSessions: number;
  /** Recurring jobs due now (their next run has come) and not running. */
  jobsDue: number;
  /** How long the longest-waiting due job has waited, milliseconds (0: none waits). */
  oldestDueJobMs: number;
  /** Image replications waiting in the outbox (in progress, including retries). */
  replicationPending: number;
  /** Age of the oldest waiting replication, milliseconds (0: none waits). */
  oldestReplicationMs: number;
  /** Blobs garbage collection marked for deletion and has not deleted yet. */
  gcDeletionsPending: number;
}
