// The archive index of the metadata port: images' storage classes (ECR's archive), the queue of
// moves of their layers between the classes with progress and leases, and which blobs only
// archived images use. Adapter: kysely-archive.ts.
import type { ImageBlob, ImageStatus, StorageMove, TargetStorageClass } from '../domain/records/archive.js';

export interface ArchiveIndex {
  /** The image's status; undefined when the repository has no such manifest. */
  status(repositoryId: string, digest: string): Promise<ImageStatus | undefined>;
  /**
   * Moves the image from `from` to `to` if it is in `from` now (false otherwise), at `at`: to
   * ARCHIVED records lastArchivedAt and queues a move of its layers to ARCHIVE; to ACTIVATING
   * queues a move to STANDARD; to ACTIVE records lastActivatedAt and ends the queued move.
   */
  transition(repositoryId: string, digest: string, from: ImageStatus, to: ImageStatus, at: number): Promise<boolean>;
  /** The queued move of an image, if any. */
  move(repositoryId: string, digest: string): Promise<StorageMove | undefined>;
  /** Every queued move (leased or not), oldest first: what an operator looks at. */
  list(limit: number): Promise<StorageMove[]>;
  /** Queued moves whose lease is free at `now`, oldest first. */
  pending(now: number, limit: number): Promise<StorageMove[]>;
  /** Leases a queued move to `holder` until `until`, if it is free at `now`. */
  claim(
    repositoryId: string,
    digest: string,
    target: TargetStorageClass,
    holder: string,
    now: number,
    until: number,
  ): Promise<boolean>;
  /** Records the progress of a move to `target` (and extends its lease); a move to the other class queued since is left alone. */
  progress(
    repositoryId: string,
    digest: string,
    target: TargetStorageClass,
    done: Pick<StorageMove, 'blobsTotal' | 'blobsDone' | 'bytesTotal' | 'bytesDone' | 'leaseUntil'>,
  ): Promise<void>;
  /** Queues a move of an image's layers to `target` unless one is queued already. */
  enqueue(repositoryId: string, digest: string, target: TargetStorageClass, at: number): Promise<void>;
  /** Whether a manifest that is not ACTIVE (in any repository) references any of these blobs. */
  sharedWithArchived(digests: string[]): Promise<boolean>;
  /** Ends a move to `target` (a move to the other class queued since stays). */
  finish(repositoryId: string, digest: string, target: TargetStorageClass): Promise<void>;
  /** The blobs the image references that are not manifests themselves (config and layers). */
  imageBlobs(repositoryId: string, digest: string): Promise<ImageBlob[]>;
  /** Those of `digests` that manifests reference, all of them (in any repository) ARCHIVED. */
  archivedOnly(digests: string[]): Promise<Set<string>>;
  /** Whether manifests of the repository reference the blob, none of them ACTIVE. */
  unpullable(repositoryId: string, digest: string): Promise<boolean>;
}
