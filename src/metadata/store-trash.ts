// The trash index of the metadata port: deleted manifests with their references and tags, kept
// to be restored until purged. Adapter: kysely-trash.ts.
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { TrashEntry, TrashRestoreOutcome } from '../domain/records/protection.js';

export interface TrashIndex {
  /**
   * Deletes the manifest with every tag on it (as ManifestIndex.delete does) and keeps it in the
   * trash with its references and those tags, in one transaction. False when there was no such
   * manifest (then `events`, the deletion's outbox rows, are not written either: they are written
   * in the same transaction). A manifest deleted again replaces its earlier entry.
   */
  discard(
    repositoryId: string,
    digest: string,
    deletedBy: string,
    deletedAt: number,
    events?: EventDeliveryInput[],
  ): Promise<boolean>;
  get(repositoryId: string, digest: string): Promise<TrashEntry | undefined>;
  /** A registry's entries (or one repository's), newest deletion first. */
  list(registryKey: string, repositoryId?: string): Promise<TrashEntry[]>;
  /**
   * Puts the entry's manifest back with its references, and each of its tags that no other
   * manifest has taken meanwhile; the entry leaves the trash. Its children and blobs are the
   * caller's to have in place first.
   */
  restore(repositoryId: string, digest: string): Promise<TrashRestoreOutcome>;
  /**
   * Removes entries deleted before `before`, except those a remaining entry of their repository
   * references (an index in the trash keeps its deleted children). Returns how many went.
   */
  purge(before: number): Promise<number>;
  /** Every digest the trash keeps alive: manifests, their content blobs and what they reference. */
  keptDigests(): AsyncIterable<string>;
}
