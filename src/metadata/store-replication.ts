// The replication index of the metadata port: a registry's replication configuration, and the
// outbox of image replications that workers on any node lease, retry and finish.
// Adapter: kysely-replication.ts.
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { ReplicationRule, ReplicationTask, ReplicationTaskInput } from '../domain/records/replication.js';

export interface ReplicationIndex {
  /** The registry's rules; empty when it has no configuration. */
  rules(accountId: string): Promise<ReplicationRule[]>;
  /** Replaces the registry's rules (an empty list removes its configuration). */
  putRules(accountId: string, rules: ReplicationRule[], at: number): Promise<void>;
  /** Adds the replications, IN_PROGRESS and due now. */
  enqueue(tasks: ReplicationTaskInput[], at: number): Promise<ReplicationTask[]>;
  /**
   * Leases one due IN_PROGRESS task that nobody holds (or whose lease expired) to `node` until
   * `leaseUntil`; not one while an older IN_PROGRESS task of its repository and destination shares
   * one of its tags (a tag moves at the destination in the order of the pushes).
   */
  claim(node: string, now: number, leaseUntil: number): Promise<ReplicationTask | undefined>;
  /** Keeps where the transfer of a blob of a task `node` holds broke off (null: none), for whoever runs it next. */
  saveResume(id: string, node: string, resume: ReplicationTask['resume']): Promise<void>;
  /** Extends the lease `node` holds on a task; false when it holds it no more (another node took it over). */
  renew(id: string, node: string, leaseUntil: number): Promise<boolean>;
  /**
   * Finishes a task `node` holds: COMPLETE, or FAILED with its reason; releases the lease. `events`
   * (the replication's outbox rows) are written in the same transaction. False when `node` holds
   * it no more (nothing changes, nothing is written).
   */
  finish(
    id: string,
    node: string,
    at: number,
    failureCode: string | null,
    events?: EventDeliveryInput[],
  ): Promise<boolean>;
  /** Puts a task `node` holds back for another attempt at `nextAttemptAt`, keeping the reason it failed. */
  retry(id: string, node: string, at: number, nextAttemptAt: number, failureCode: string): Promise<void>;
  /** The newest task per destination of one image, in destination order. */
  statuses(accountId: string, repositoryName: string, digest: string): Promise<ReplicationTask[]>;
}
