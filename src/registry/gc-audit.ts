// The storage audit of garbage collection (`berth gc --audit`): what the store (file system or
// bucket) holds that the index does not know, older than the grace period. Such objects are left
// by crashes between writing bytes and recording them, by collections of other versions, or by
// hands; `fix` deletes them. A blob file is known when its digest has a blob row, a key wrap or a
// deletion mark; upload bytes when an upload session owns them.
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { BlobSweep } from '../storage/blob-sweep.js';
import type { FileInfo } from '../storage/driver.js';
import { parseBlobPath } from '../storage/layout.js';
import { isUploadId } from './upload-sessions.js';

export interface AuditFinding {
  kind: 'blob' | 'upload';
  /** The stored path (a blob file) or the upload id. */
  path: string;
  bytes: number;
}

export interface AuditReport {
  /** Stored blob files looked at. */
  examined: number;
  orphans: number;
  bytes: number;
  /** Orphans deleted (with `fix`). */
  fixed: number;
}

const BATCH = 500;

export class GcAudit {
  constructor(
    private readonly store: Pick<MetadataStore, 'gc' | 'uploads'>,
    private readonly blobs: Pick<BlobStore, 'untouchedUploads' | 'deleteUpload'>,
    private readonly sweep: Pick<BlobSweep, 'walkBlobs' | 'deleteStored'>,
    private readonly graceMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async run(options: { fix?: boolean; onFinding?: (finding: AuditFinding) => void } = {}): Promise<AuditReport> {
    const cutoff = this.clock() - this.graceMs;
    const report: AuditReport = { examined: 0, orphans: 0, bytes: 0, fixed: 0 };
    const found = async (finding: AuditFinding, remove: () => Promise<void>) => {
      report.orphans++;
      report.bytes += finding.bytes;
      options.onFinding?.(finding);
      if (options.fix) {
        await remove();
        report.fixed++;
      }
    };
    let pending: FileInfo[] = [];
    const check = async () => {
      const files = pending;
      pending = [];
      const digests = files.flatMap((f) => parseBlobPath(f.path)?.digest ?? []);
      const known = await this.store.gc.indexed([...new Set(digests)]);
      for (const file of files) {
        const digest = parseBlobPath(file.path)?.digest;
        if (digest !== undefined && known.has(digest)) continue;
        await found({ kind: 'blob', path: file.path, bytes: file.size }, () => this.sweep.deleteStored(file.path));
      }
    };
    await this.sweep.walkBlobs(async (info) => {
      report.examined++;
      if (info.modTime.getTime() >= cutoff) return;
      pending.push(info);
      if (pending.length >= BATCH) await check();
    });
    await check();
    for (const upload of await this.blobs.untouchedUploads(cutoff)) {
      if (isUploadId(upload.id) && (await this.store.uploads.get(upload.id))) continue;
      await found({ kind: 'upload', path: upload.id, bytes: upload.bytes }, () => this.blobs.deleteUpload(upload.id));
    }
    return report;
  }
}
