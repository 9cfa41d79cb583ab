// The replication worker: on every node, leases the outbox's due replications through the
// database (one node at a time per task; a lease that expires — the node died mid-transfer —
// lets another take the task over, which skips what is there already and continues a blob at
// the resume point the task's row keeps),
// copies each image with the replicator for its destination, and finishes it COMPLETE or
// FAILED, retrying with exponential backoff in between. A node runs `concurrency` replications
// at once; the store hands out a task only after the older ones that move one of its tags.
import { type ImageReplicator, ReplicationFailure } from '../domain/replication.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { ReplicationTask } from '../domain/records/replication.js';
import type { MetadataStore } from '../metadata/store.js';
import { exponentialBackoffMs, LeasedWorker, LeasedWorkerHost, renewingLease } from '../runtime/leased-worker.js';

export interface ReplicationWorkerOptions {
  node: string;
  leaseMs: number;
  maxAttempts: number;
  pollMs: number;
  /** Replications this node runs at once (default 1). */
  concurrency?: number;
  /** The replicator for a task's destination; undefined when this deployment cannot reach it. */
  replicatorFor: (task: ReplicationTask) => ImageReplicator | undefined;
  onError?: (err: unknown, task: ReplicationTask) => void;
  /**
   * The outbox rows of a replication that completed (its "ECR Replication Action" events): written
   * in the transaction that finishes the task, so they commit with its completion or not at all.
   */
  events?: (task: ReplicationTask) => Promise<EventDeliveryInput[]>;
}

/** Backoff before attempt n+1: 1 s, 2 s, 4 s … at most 5 minutes. */
export function backoffMs(attempts: number): number {
  return exponentialBackoffMs(attempts, 1000, 5 * 60 * 1000);
}

/** Runs `concurrency` lanes: each works while tasks are due, then looks again every pollMs. */
export class ReplicationWorker extends LeasedWorkerHost<ReplicationTask> {
  protected readonly loop: LeasedWorker<ReplicationTask>;

  constructor(
    private readonly store: Pick<MetadataStore, 'replication'>,
    private readonly options: ReplicationWorkerOptions,
  ) {
    super();
    const { node, leaseMs, pollMs } = options;
    this.loop = new LeasedWorker({
      pollMs,
      lanes: Math.max(1, options.concurrency ?? 1),
      claim: () => {
        const now = Date.now();
        return this.store.replication.claim(node, now, now + leaseMs);
      },
      run: (task) => this.replicate(task),
    });
  }

  /** Copies a leased task's image, renewing its lease meanwhile: finished COMPLETE or FAILED, or retried with backoff. */
  private async replicate(task: ReplicationTask): Promise<void> {
    const { node, leaseMs } = this.options;
    try {
      const replicator = this.options.replicatorFor(task);
      if (!replicator)
        throw new ReplicationFailure(
          'DESTINATION_UNREACHABLE',
          `the region ${task.destination.region} is not this deployment's nor one of its peers'`,
        );
      await renewingLease(
        leaseMs,
        () => this.store.replication.renew(task.id, node, Date.now() + leaseMs),
        () => replicator.replicate(task),
      );
      const events = (await this.options.events?.(task)) ?? [];
      await this.store.replication.finish(task.id, node, Date.now(), null, events);
    } catch (err) {
      this.options.onError?.(err, task);
      const reason =
        err instanceof ReplicationFailure
          ? `${err.code}: ${err.message}`
          : `REPLICATION_ERROR: ${(err as Error)?.message ?? String(err)}`;
      const retryable = !(err instanceof ReplicationFailure) || err.retryable;
      const at = Date.now();
      if (retryable && task.attempts + 1 < this.options.maxAttempts)
        await this.store.replication.retry(task.id, node, at, at + backoffMs(task.attempts), reason);
      else await this.store.replication.finish(task.id, node, at, reason);
    }
  }
}
