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
  return Math.min(1000 * 2 ** attempts, 5 * 60 * 1000);
}

export class ReplicationWorker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lanes = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: Pick<MetadataStore, 'replication'>,
    private readonly options: ReplicationWorkerOptions,
  ) {}

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? 1);
  }

  /** Starts `concurrency` lanes: each works while tasks are due, then looks again every pollMs. */
  start(): void {
    this.stopped = false;
    for (let i = 0; i < this.concurrency; i++) this.lane(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.lanes);
  }

  /** Works until no task is due, `concurrency` at a time; the number done. */
  async drain(): Promise<number> {
    let done = 0;
    const loop = async () => {
      while (!this.stopped && (await this.runOne())) done++;
    };
    await Promise.all(Array.from({ length: this.concurrency }, loop));
    return done;
  }

  private lane(delay: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = (async () => {
        while (!this.stopped && (await this.runOne().catch(() => false))) {}
      })();
      this.lanes.add(run);
      void run.finally(() => {
        this.lanes.delete(run);
        this.lane(this.options.pollMs);
      });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Runs `work` while extending the task's lease every third of it, so a long transfer keeps its task. */
  private async heartbeat(task: ReplicationTask, work: () => Promise<void>): Promise<void> {
    const { node, leaseMs } = this.options;
    const timer = setInterval(
      () => {
        this.store.replication.renew(task.id, node, Date.now() + leaseMs).catch(() => undefined);
      },
      Math.max(1000, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Leases and runs one due task; false when none is due. */
  async runOne(): Promise<boolean> {
    const now = Date.now();
    const task = await this.store.replication.claim(this.options.node, now, now + this.options.leaseMs);
    if (!task) return false;
    const { node } = this.options;
    try {
      const replicator = this.options.replicatorFor(task);
      if (!replicator)
        throw new ReplicationFailure(
          'DESTINATION_UNREACHABLE',
          `the region ${task.destination.region} is not this deployment's nor one of its peers'`,
        );
      await this.heartbeat(task, () => replicator.replicate(task));
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
    return true;
  }
}
