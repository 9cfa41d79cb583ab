// Pulls' lookups of a manifest record by tag or digest, kept between requests. Unlike manifest
// bytes (content-cache.ts), what a tag names changes: an entry is good only while the metadata
// store's change epoch (metadata/change-epoch.ts) is the one it was read at. Any change to tags,
// manifests or repositories, on this node or (followed through the database) another, empties
// the cache; while a change is uncommitted, or another node's changes cannot be followed,
// nothing is cached or served from it.
import { type Accepted, parseAccept } from '../domain/conversions/negotiate.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { ChangeFeed } from '../metadata/store.js';
import { SharedReads } from '../runtime/shared-reads.js';

export class ManifestLookups {
  private readonly entries = new Map<string, ManifestRecord>();
  /** The epoch the entries were read at. */
  private epoch: number | undefined;
  /** Pulls of one manifest arriving together share its lookup (only with pulls of the same epoch). */
  private readonly shared = new SharedReads<ManifestRecord | undefined>();

  constructor(
    private readonly changes: ChangeFeed,
    /** Entries kept at most; 0 keeps none. */
    private readonly maxEntries: number,
  ) {}

  /** The record `key` names: kept, or loaded (and kept when the epoch held while it was read). */
  async read(key: string, load: () => Promise<ManifestRecord | undefined>): Promise<ManifestRecord | undefined> {
    const epoch = this.maxEntries > 0 ? this.changes.current() : undefined;
    if (epoch === undefined) return this.shared.read(`- ${key}`, load);
    if (epoch !== this.epoch) {
      this.entries.clear();
      this.epoch = epoch;
    } else {
      const kept = this.entries.get(key);
      if (kept) return kept;
    }
    const record = await this.shared.read(`${epoch} ${key}`, load);
    // Kept only when nothing changed since before the read started: a read that overlapped a
    // change may have returned what was there before it.
    if (record && this.changes.current() === epoch && this.epoch === epoch) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, record);
    }
    return record;
  }
}

/** Parsed Accept headers by their text: clients send the same few on every pull. */
const ACCEPTS = new Map<string, Accepted>();
const ACCEPTS_KEPT = 256;

export function acceptOf(header: string | string[] | undefined): Accepted {
  if (typeof header !== 'string') return parseAccept(header);
  let accepted = ACCEPTS.get(header);
  if (!accepted) {
    accepted = parseAccept(header);
    if (ACCEPTS.size >= ACCEPTS_KEPT) ACCEPTS.clear();
    ACCEPTS.set(header, accepted);
  }
  return accepted;
}
