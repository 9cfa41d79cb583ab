// Online garbage collection: frees what nothing references while the registry keeps serving
// pushes and pulls (no read-only window).
//
// What is collected, each after the grace period (gc.graceHours):
//   - blob links (repository_blobs) that no manifest of their repository names;
//   - blobs (row, key wraps, both stored forms) that no repository links and nothing names: no
//     manifest reference, manifest or conversion (by digest or content digest), no GC root;
//   - stored manifest bytes (sealed by digest or content digest, with key wraps but no blob row)
//     that no manifest or conversion has any more: deleted manifests' and their conversions';
//   - upload bytes under /uploads that no upload session owns;
//   - with gc.deleteUntagged, untagged manifests that no index names and that are not referrers
//     of a manifest still there (otherwise untagged images are lifecycle's to expire, as in ECR).
//
// The protocol that keeps a concurrent push safe (kysely-gc.ts, kysely-manifests.ts, Blobs.link):
//   1. Sightings. An upload, mount or link sets the blob's last_seen_at; a HEAD or GET of it, or
//      a manifest push naming it, touches it (at most every 5 minutes per node: blob-sightings.ts).
//      Nothing seen within the grace period is collected: a client that just saw a blob and is
//      about to push a manifest naming it keeps it. This is what makes collection cheap for the
//      common case; steps 2-4 make it correct whatever the timing (tests run with grace 0).
//   2. Digest locks. Every decision that references a digest (a manifest put's check of its
//      blobs and bytes, a link) takes the digest's lock shared inside its transaction, and every
//      decision that may delete one (remove a link, mark a blob) takes it exclusive, then decides
//      with statements run after the lock: each sees all that the other committed first.
//      PostgreSQL: transaction-scoped advisory locks in digest order (several nodes share them);
//      a deadlock between the two aborts one transaction, which runs again. SQLite: the database's
//      one write lock, taken by the transaction's first statement (writers are serialized, also
//      across processes such as `berth gc` beside a server, through the busy timeout).
//   3. The mark. The collector's decision is a row in gc_deletions (committed with the link
//      removals), made only for a digest with no link, no reference and no sighting in grace.
//      Only then are the stored forms deleted, and then the key wraps, blob row and mark, in one
//      transaction. A manifest put whose blob is marked or unlinked fails MANIFEST_BLOB_UNKNOWN
//      (the client uploads it again); one whose own stored bytes are marked or have lost their key
//      wraps waits for the deletion to finish, stores them again and retries. A link (an upload's
//      completion) of a marked blob waits until the deletion is over; an upload links its blob
//      before placing its bytes, so bytes it finds stored are never a copy being deleted. A mount
//      of a marked blob does not happen (the client uploads instead).
//   4. Resumption. A collection that stopped midway leaves marks; the next one (on any node)
//      finishes them first. Deleting stored bytes and rows twice is harmless.
// Known limit: a conversion stored at the very moment its bytes' previous copy is collected relies
// on the grace period alone (conversions are made again on the next pull that needs them).
import type { GcRootSource } from '../domain/gc-roots.js';
import { parseDigest } from '../domain/digest.js';
import { GZIPPED_EMPTY_TAR } from '../domain/conversions/to-schema1.js';
import { EMPTY_JSON } from '../domain/media-types.js';
import type { GcLink, GcObject, MetadataStore } from '../metadata/store.js';
import type { BlobSweep } from '../storage/blob-sweep.js';
import type { BlobStore } from '../storage/blob-store.js';
import { FULL_SPEED, type Pace, Pacer } from '../runtime/pacer.js';
import { isUploadId } from './upload-sessions.js';

export type GcKind = 'links' | 'blobs' | 'manifests' | 'uploads' | 'untagged';
export const GC_KINDS: readonly GcKind[] = ['untagged', 'links', 'blobs', 'manifests', 'uploads'];

export interface GcOptions {
  graceMs: number;
  deleteUntagged: boolean;
  /**
   * What deletions of untagged manifests go through, as every other deletion does: deletion
   * protection keeps what it covers; the trash (when on) keeps what is deleted restorable.
   */
  untaggedGuards?: {
    protectedManifest(manifest: GcLink): Promise<boolean>;
    trashOn: boolean;
  };
  /** Digests decided per transaction (at most BUSY_BATCH while requests are served). */
  batch?: number;
  /**
   * How a collection shares the process with requests (runtime/pacer.ts): while `activity` is
   * busy, it works at most `busyPercent` of the time, in small units. Without it: full speed.
   */
  pacing?: { activity: { busy(): boolean }; busyPercent: number };
}

/** One thing freed (or, in a dry run, that would be). */
export interface GcItem {
  kind: GcKind;
  /** A digest, `<repository id> <digest>` for a link or manifest, or an upload id. */
  id: string;
  bytes: number;
}

export interface GcRun {
  dryRun?: boolean;
  onItem?: (item: GcItem) => void;
  /** Called after each page with the phase and the objects examined in it so far. */
  onProgress?: (phase: string, examined: number) => void;
}

export type GcSummary = Record<GcKind, { objects: number; bytes: number }>;

export interface GcReport {
  dryRun: boolean;
  summary: GcSummary;
  /** The roots that kept content (by source name). */
  roots: Record<string, number>;
  ms: number;
  /** Of `ms`, the time it rested while requests were served (gc.busyPercent). */
  restedMs: number;
}

const DEFAULT_BATCH = 500;
/**
 * Digests per transaction while requests are served: SQLite runs a statement on the event loop,
 * and deciding 500 digests holds it for tens of milliseconds; 100 hold it for a few.
 */
const BUSY_BATCH = 100;
/** Upload bytes younger than this are never swept, whatever the grace (a sealing copy has no session). */
const UPLOAD_MIN_AGE_MS = 60_000;

export class GarbageCollector {
  constructor(
    private readonly store: Pick<MetadataStore, 'gc' | 'uploads'>,
    private readonly blobs: Pick<BlobStore, 'untouchedUploads' | 'deleteUpload'>,
    private readonly sweep: Pick<BlobSweep, 'deleteBlobs'>,
    private readonly options: GcOptions,
    private readonly roots: readonly GcRootSource[] = [],
    private readonly clock: () => number = Date.now,
  ) {}

  /** One collection: finishes deletions a stopped one left, then frees what nothing references. */
  async collect(run: GcRun = {}): Promise<GcReport> {
    const pacing = this.options.pacing;
    this.pace = pacing ? new Pacer(pacing.activity, pacing.busyPercent) : FULL_SPEED;
    this.pace.start();
    const started = this.clock();
    const dryRun = run.dryRun ?? false;
    const cutoff = started - this.options.graceMs;
    const summary = Object.fromEntries(GC_KINDS.map((k) => [k, { objects: 0, bytes: 0 }])) as GcSummary;
    const note = (kind: GcKind, id: string, bytes: number) => {
      summary[kind].objects++;
      summary[kind].bytes += bytes;
      run.onItem?.({ kind, id, bytes });
    };
    const progress = run.onProgress ?? (() => {});
    if (!dryRun) await this.finishMarked(note);
    if (this.options.deleteUntagged) await this.untagged(cutoff, dryRun, note, progress);
    // After the untagged phase: what it moved to the trash is a root already.
    const { kept, counts } = await this.rootDigests();
    await this.sweepBlobs(cutoff, kept, dryRun, note, progress);
    await this.sweepManifestBytes(cutoff, kept, dryRun, note, progress);
    await this.sweepUploads(cutoff, dryRun, note);
    if (!dryRun) {
      const now = this.clock();
      for (const kind of GC_KINDS) await this.store.gc.addFreed(kind, summary[kind].objects, summary[kind].bytes, now);
    }
    return { dryRun, summary, roots: counts, ms: this.clock() - started, restedMs: Math.round(this.pace.restedMs) };
  }

  /** The running collection's pacing (collections at once on one collector share the latest: pacing only). */
  private pace: Pace = FULL_SPEED;

  private get batch(): number {
    const batch = this.options.batch ?? DEFAULT_BATCH;
    return this.pace.busy() ? Math.min(batch, BUSY_BATCH) : batch;
  }

  /** Every GC root's digests: kept whatever else says. */
  private async rootDigests(): Promise<{ kept: Set<string>; counts: Record<string, number> }> {
    // The well-known blobs Berth stores and links itself (the OCI empty blob for artifacts, the
    // empty tar of schema 1 conversions, which no manifest reference names): tiny, never freed,
    // so that those links never wait on a deletion of their bytes.
    const kept = new Set<string>([EMPTY_JSON.digest, GZIPPED_EMPTY_TAR.digest]);
    const counts: Record<string, number> = {};
    for (const source of this.roots) {
      let count = 0;
      for await (const digest of source.digests()) {
        kept.add(digest);
        count++;
      }
      counts[source.name] = count;
    }
    return { kept, counts };
  }

  /** Marks left by a collection that stopped midway (here or on another node): finished now. */
  private async finishMarked(note: (kind: GcKind, id: string, bytes: number) => void): Promise<void> {
    for (;;) {
      const marked = await this.store.gc.deleting(this.batch);
      if (marked.length === 0) return;
      await this.pace.pause();
      await this.deleteStored(marked, (object, bytes) =>
        note(object.size === undefined ? 'manifests' : 'blobs', object.digest, bytes),
      );
      await this.pace.pause();
      await this.store.gc.finishDeletion(marked.map((m) => m.digest));
      await this.pace.pause();
    }
  }

  private async untagged(
    cutoff: number,
    dryRun: boolean,
    note: (kind: GcKind, id: string, bytes: number) => void,
    progress: (phase: string, examined: number) => void,
  ): Promise<void> {
    await eachPage(
      (after: GcLink | undefined) => this.store.gc.untaggedPage(after, cutoff, this.batch),
      async (page) => {
        const guards = this.options.untaggedGuards;
        const trash = guards?.trashOn ? { deletedBy: 'gc:untagged', deletedAt: this.clock() } : undefined;
        for (const manifest of page) {
          if (await guards?.protectedManifest(manifest)) continue;
          if (dryRun || (await this.store.gc.deleteUntagged(manifest, cutoff, trash)))
            note('untagged', `${manifest.repositoryId} ${manifest.digest}`, 0);
          await this.pace.pause();
        }
      },
      (examined) => progress('untagged manifests', examined),
      this.pace,
    );
  }

  private async sweepBlobs(
    cutoff: number,
    kept: Set<string>,
    dryRun: boolean,
    note: (kind: GcKind, id: string, bytes: number) => void,
    progress: (phase: string, examined: number) => void,
  ): Promise<void> {
    await eachPage(
      // Only what was not seen within the grace: nothing else can go (blobCandidates says so too),
      // so a collection among recent pushes reads little.
      (after: string | undefined) => this.store.gc.blobPage(after, this.batch, cutoff),
      async (page) => {
        // A read first, so that only digests likely to go are locked.
        const found = await this.store.gc.blobCandidates(
          page.filter((d) => !kept.has(d)),
          cutoff,
        );
        const candidates = [...new Set([...found.links.map((l) => l.digest), ...found.blobs.map((b) => b.digest)])];
        if (!dryRun && candidates.length > 0) await this.pace.pause();
        const decided = dryRun ? found : await this.store.gc.sweepBlobs(candidates, cutoff, this.clock());
        for (const link of decided.links) note('links', `${link.repositoryId} ${link.digest}`, 0);
        if (dryRun) for (const blob of decided.blobs) note('blobs', blob.digest, blob.size ?? 0);
        else await this.deleteMarked(decided.blobs, 'blobs', note);
      },
      (examined) => progress('blobs', examined),
      this.pace,
    );
  }

  private async sweepManifestBytes(
    cutoff: number,
    kept: Set<string>,
    dryRun: boolean,
    note: (kind: GcKind, id: string, bytes: number) => void,
    progress: (phase: string, examined: number) => void,
  ): Promise<void> {
    await eachPage(
      (after: string | undefined) => this.store.gc.keyedPage(after, this.batch, cutoff),
      async (page) => {
        const candidates = await this.store.gc.manifestByteCandidates(
          page.filter((d) => !kept.has(d)),
          cutoff,
        );
        if (dryRun) for (const digest of candidates) note('manifests', digest, 0);
        else if (candidates.length > 0) {
          await this.pace.pause();
          await this.deleteMarked(
            (await this.store.gc.markManifestBytes(candidates, cutoff, this.clock())).map((digest) => ({ digest })),
            'manifests',
            note,
          );
        }
      },
      (examined) => progress('manifest bytes', examined),
      this.pace,
    );
  }

  /** Deletes the stored forms of marked digests, then their rows and marks. */
  private async deleteMarked(
    marked: GcObject[],
    kind: GcKind,
    note: (kind: GcKind, id: string, bytes: number) => void,
  ): Promise<void> {
    if (marked.length === 0) return;
    await this.pace.pause();
    await this.deleteStored(marked, (object, bytes) => note(kind, object.digest, bytes));
    await this.pace.pause();
    await this.store.gc.finishDeletion(marked.map((m) => m.digest));
  }

  /**
   * The stored forms of marked digests, deleted in one batch per page (an object store deletes a
   * thousand keys a request): every digest of the batch is marked already, so none is linked or
   * referenced again until its deletion is finished.
   */
  private async deleteStored(marked: GcObject[], freed: (object: GcObject, bytes: number) => void): Promise<void> {
    const bytes = await this.sweep.deleteBlobs(
      marked.map((m) => ({ digest: parseDigest(m.digest), ...(m.size !== undefined && { size: m.size }) })),
    );
    for (const [i, object] of marked.entries()) freed(object, bytes[i]!);
  }

  /** Upload bytes no session owns: a session's row is made before its bytes and deleted after them. */
  private async sweepUploads(
    cutoff: number,
    dryRun: boolean,
    note: (kind: GcKind, id: string, bytes: number) => void,
  ): Promise<void> {
    const before = Math.min(cutoff, this.clock() - UPLOAD_MIN_AGE_MS);
    for (const upload of await this.blobs.untouchedUploads(before)) {
      if (!isUploadId(upload.id) || (await this.store.uploads.get(upload.id))) continue;
      if (!dryRun) await this.blobs.deleteUpload(upload.id);
      note('uploads', upload.id, upload.bytes);
      await this.pace.pause();
    }
  }
}

/**
 * Runs `work` on each keyset page (each starting after the last item of the one before) until one
 * is empty, pausing (the pace's) after each read and each page's work.
 */
async function eachPage<T>(
  page: (after: T | undefined) => Promise<T[]>,
  work: (items: T[]) => Promise<void>,
  examined: (count: number) => void,
  pace: Pace,
): Promise<void> {
  let after: T | undefined;
  let count = 0;
  for (;;) {
    const items = await page(after);
    if (items.length === 0) return;
    await pace.pause();
    after = items.at(-1);
    await work(items);
    count += items.length;
    examined(count);
    await pace.pause();
  }
}
