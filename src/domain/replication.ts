// Replication's vocabulary between the worker (registry/replication-worker.ts) and whatever copies
// an image to a destination: in this deployment (another account) or over the registry protocol
// to a peer deployment. The composition root picks the replicator per destination.
import type { ReplicationTask } from './records/replication.js';

/** Copies one image (manifest, children, blobs, tags, referrers) to its task's destination. */
export interface ImageReplicator {
  replicate(task: ReplicationTask): Promise<void>;
}

/**
 * A replication that cannot succeed as things are: `code` is what DescribeImageReplicationStatus
 * shows as failureCode. Not `retryable`: the task is FAILED at once (a policy says no);
 * retryable ones are tried again with backoff until the attempts run out.
 */
export class ReplicationFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ReplicationFailure';
  }
}

/** Reads `length` bytes of a blob from `offset`. */
export type BlobReader = (offset: number, length: number) => Promise<AsyncIterable<Uint8Array>>;

/** Where the transfer of a blob to a peer broke off: the upload's URL there and the bytes it took. */
export interface BlobResume {
  digest: string;
  location: string;
  offset: number;
}

/**
 * The resume points of one replication's transfers: kept in its task's row by the worker, so a
 * node that restarts (or another that takes the task over) continues a blob where it stood.
 */
export interface ResumePoints {
  get(digest: string): BlobResume | undefined;
  set(resume: BlobResume): Promise<void>;
  clear(digest: string): Promise<void>;
}

/** Where a replication writes: another account of this deployment, or a peer deployment's /v2. */
export interface ReplicaTarget {
  /** Before anything is copied: the destination may take it (policies), its repository exists. */
  prepare(task: ReplicationTask): Promise<void>;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  /**
   * Stores the `size` bytes of the blob `digest` (verified as they are stored), reading them with
   * `read` (from an offset: a target that sends in chunks resumes an interrupted transfer there).
   */
  pushBlob(repository: string, digest: string, size: number, read: BlobReader): Promise<void>;
  putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void>;
  close?(): void;
}
