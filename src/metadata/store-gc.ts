// The garbage collection index of the metadata port: what nothing references any more, the marks
// of deletions in progress (which pushes respect), and the running totals of what was freed.
// Adapter: kysely-gc.ts. The protocol is registry/gc.ts's header.

/** A blob link a collection removes: the repository no longer has any manifest naming the blob. */
export interface GcLink {
  repositoryId: string;
  digest: string;
}

/** Stored content a collection deletes (or would), by digest. */
export interface GcObject {
  digest: string;
  /** The blob's size; undefined for manifest bytes (their size is the manifest's, gone with it). */
  size?: number;
}

/** What a collection freed, by kind, since the registry was made. */
export type GcTotals = Record<string, { objects: number; bytes: number }>;

export interface GcIndex {
  /**
   * Blob digests after `after`, in order: the pages a collection walks. With `seenBefore`, only
   * blobs not seen (created, linked, touched) since then: the others are kept whatever else says.
   */
  blobPage(after: string | undefined, limit: number, seenBefore?: number): Promise<string[]>;
  /**
   * Digests that have wrapped data keys but no blob row (stored manifest bytes), after `after`, in
   * order. With `keyedBefore`, only digests with a key older than that.
   */
  keyedPage(after: string | undefined, limit: number, keyedBefore?: number): Promise<string[]>;
  /**
   * Read only: of these blob digests, the links older than `cutoff` that no manifest of their
   * repository names, and the blobs (not seen since `cutoff`) that would have no link and no
   * reference left once those are removed.
   */
  blobCandidates(digests: string[], cutoff: number): Promise<{ links: GcLink[]; blobs: GcObject[] }>;
  /**
   * The same decision, made for good: under the digests' locks, removes those links and marks
   * those blobs as being deleted (gc_deletions). Returns what it removed and marked.
   */
  sweepBlobs(digests: string[], cutoff: number, now: number): Promise<{ links: GcLink[]; blobs: GcObject[] }>;
  /** Read only: of these keyed digests, those no manifest or conversion has (and no key newer than `cutoff`). */
  manifestByteCandidates(digests: string[], cutoff: number): Promise<string[]>;
  /** Under the digests' locks, marks those manifest bytes as being deleted. */
  markManifestBytes(digests: string[], cutoff: number, now: number): Promise<string[]>;
  /** Deletions marked and not finished (a collection that stopped midway), oldest first. */
  deleting(limit: number): Promise<GcObject[]>;
  /** Whether a digest is marked as being deleted. */
  isDeleting(digest: string): Promise<boolean>;
  /** After the bytes are gone: removes the key wraps, the blob row and the mark. */
  finishDeletion(digests: string[]): Promise<void>;
  /** Notes that a blob was seen (checked, pulled): written only when older than `staleBefore`. */
  touch(digest: string, now: number, staleBefore: number): Promise<void>;
  /** Of these digests, those the index has: a blob row, a key wrap, or a deletion mark (the audit). */
  indexed(digests: string[]): Promise<Set<string>>;
  /**
   * Untagged manifests created before `cutoff` that no index names and that are not referrers of
   * a manifest still there, after `after` (by repository id, then digest).
   */
  untaggedPage(after: GcLink | undefined, cutoff: number, limit: number): Promise<GcLink[]>;
  /**
   * Deletes one such manifest if it still is one (decided under its row's lock); true when it did.
   * With `trash`, it goes to the trash in that transaction (restorable, as any other deletion).
   */
  deleteUntagged(manifest: GcLink, cutoff: number, trash?: { deletedBy: string; deletedAt: number }): Promise<boolean>;
  /** Adds to the running totals of what was freed. */
  addFreed(kind: string, objects: number, bytes: number, now: number): Promise<void>;
  freed(): Promise<GcTotals>;
}
