// Uploads no request will finish: those their clients abandoned (untouched since the expiry),
// bytes whose session is gone, and the uploads of a repository being deleted.
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { RepositoryUploads } from './repositories.js';
import { isUploadId, type UploadSessions } from './upload-sessions.js';

/** Upload bytes without a session are removed once nothing has written to them for this long. */
const ORPHAN_GRACE_MS = 3_600_000;

export class UploadExpiry implements RepositoryUploads {
  constructor(
    private readonly store: Pick<MetadataStore, 'uploads'>,
    private readonly blobs: BlobStore,
    private readonly sessions: UploadSessions,
  ) {}

  /**
   * Removes uploads untouched since `before` (abandoned by their clients), and upload bytes whose
   * session is gone (their repository was deleted while they were written, or a node died between
   * the two deletions) and that nothing wrote to for an hour.
   */
  async expire(before: number): Promise<number> {
    let removed = 0;
    for (const upload of await this.store.uploads.stale(before, 1000)) {
      // An upload a request is writing right now is not abandoned, however old its last touch.
      // Nor is one a request resumed while this waited for its lock.
      const expired = await this.sessions.locks.tryRun(upload.id, async () => {
        const now = await this.store.uploads.get(upload.id);
        if (!now || now.updatedAt >= before) return false;
        await this.sessions.discard(upload.id);
        return true;
      });
      if (expired === true) removed++;
    }
    const orphans = await this.blobs.uploadsUntouchedSince(Math.max(before, Date.now() - ORPHAN_GRACE_MS));
    for (const id of orphans) {
      // A session's row is made before its bytes and deleted after them: bytes without a row are no session's.
      if (isUploadId(id) && !(await this.store.uploads.get(id))) {
        await this.blobs.deleteUpload(id);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Deletes a repository with its uploads' bytes: `remove` deletes the repository (its upload
   * sessions go with it) and says whether it did. An upload started meanwhile, or bytes a request
   * still writes, are left to `expire`, which finds bytes without a session.
   */
  async removingUploads(repositoryId: string, remove: () => Promise<boolean>): Promise<boolean> {
    const ids = await this.store.uploads.idsOf(repositoryId);
    if (!(await remove())) return false;
    for (const id of ids) {
      this.sessions.forget(id);
      // The repository is gone whatever happens here: a request still writing into one of its
      // uploads can make this removal fail (a directory not empty yet); the expiry sweep then
      // removes the bytes, which no session owns any more.
      await this.blobs.deleteUpload(id).catch(() => {
        /* swept by expiry */
      });
    }
    return true;
  }
}
