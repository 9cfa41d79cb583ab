// The records of the replication index (metadata/store-replication.ts): a registry's replication
// configuration (ECR's rules) and the outbox of image replications, one per image and destination.

/** Where a rule replicates to: a region (a Berth deployment) and an account there. */
export interface ReplicationDestination {
  region: string;
  registryId: string;
}

export interface RepositoryFilter {
  filter: string;
  filterType: 'PREFIX_MATCH';
}

export interface ReplicationRule {
  destinations: ReplicationDestination[];
  /** Absent or empty: every repository. */
  repositoryFilters?: RepositoryFilter[];
}

export const REPLICATION_STATUSES = ['IN_PROGRESS', 'COMPLETE', 'FAILED'] as const;
export type ReplicationStatus = (typeof REPLICATION_STATUSES)[number];

/** One image to replicate to one destination: what a push enqueues. */
export interface ReplicationTaskInput {
  accountId: string;
  repositoryName: string;
  /** The manifest's digest. */
  digest: string;
  /** The tags the push put (moved at the destination too). */
  tags: string[];
  destination: ReplicationDestination;
}

export interface ReplicationTask extends ReplicationTaskInput {
  id: string;
  /** Where the transfer of a blob to a peer broke off (its upload URL there and the bytes it took). */
  resume: { digest: string; location: string; offset: number } | null;
  status: ReplicationStatus;
  failureCode: string | null;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  updatedAt: number;
}
