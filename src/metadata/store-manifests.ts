// The manifest and tag indexes of the metadata port: manifest records with their references,
// and the tags that point at them. Adapter: kysely-store.ts.
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { ReplicationTaskInput } from '../domain/records/replication.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { ImageSigningRecord } from '../domain/records/signing.js';
import type { Page } from './store-repositories.js';

/**
 * A put refused because one of its immutable tags points at another manifest, because a blob or
 * child manifest it names is not in the repository (any more: a garbage collection removed it),
 * or because a garbage collection deleted (or is deleting) the manifest's own stored bytes.
 */
export type ManifestPutOutcome =
  | { stored: true }
  | { stored: false; immutableTag: string }
  | { stored: false; missing: string[] }
  | { stored: false; bytesGone: true };

/** What a put verifies inside its transaction, against a concurrent garbage collection. */
export interface ManifestPutChecks {
  /** Blobs the manifest names: each must be linked into the repository and not being deleted. */
  blobs: string[];
  /** Child manifests it names: each must be in the repository. */
  children: string[];
  /** The digest its bytes are stored under: they must have a key and not be being deleted. */
  bytes: string;
}

export interface ManifestIndex {
  get(repositoryId: string, digest: string): Promise<ManifestRecord | undefined>;
  /**
   * Stores the manifest with its references and tags in one transaction. A tag among
   * `immutableTags` is never moved: when one points at another manifest nothing is stored.
   * With `checks`, what the manifest names is verified in the same transaction (registry/gc.ts).
   * `replications` and `events` (the push's outbox rows) are added in the same transaction.
   */
  put(
    record: ManifestRecord,
    references: string[],
    tags: string[],
    immutableTags?: string[],
    checks?: ManifestPutChecks,
    replications?: ReplicationTaskInput[],
    events?: EventDeliveryInput[],
    /** Signing statuses the push starts (managed signing's outbox), written in its transaction. */
    signings?: ImageSigningRecord[],
  ): Promise<ManifestPutOutcome>;
  /**
   * Deletes the manifest and every tag pointing at it; `events` (the deletion's outbox rows) are
   * written in the same transaction, and not at all when there was no such manifest.
   */
  delete(repositoryId: string, digest: string, events?: EventDeliveryInput[]): Promise<boolean>;
  /** Manifests in the repository whose `subject` is `digest`, optionally of one artifact type. */
  referrers(repositoryId: string, subjectDigest: string, artifactType?: string): Promise<ManifestRecord[]>;
  /** Which of these digests are manifests in the repository. */
  existing(repositoryId: string, digests: string[]): Promise<Set<string>>;
}

export interface TagIndex {
  /** The manifest a tag points at, with its record. */
  resolve(repositoryId: string, tag: string): Promise<ManifestRecord | undefined>;
  list(repositoryId: string, page: Page): Promise<string[]>;
  /** Deletes the tag; `events` (its outbox rows) are written in the same transaction, only when there was one. */
  delete(repositoryId: string, tag: string, events?: EventDeliveryInput[]): Promise<boolean>;
}
