// What garbage collection does to stored bytes (registry/gc.ts decides when): delete a blob's
// forms, walk every stored blob file (the audit), delete one stored file (the audit's fix).
import type { Digest } from '../domain/digest.js';
import { type FileInfo, PathNotFoundError, type StorageDriver } from './driver.js';
import { BLOBS_ROOT, blobDir, blobPath, storeEncryptedBlobPath } from './layout.js';

async function ignoringMissing(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof PathNotFoundError)) throw err;
  }
}

export class BlobSweep {
  constructor(private readonly driver: StorageDriver) {}

  /** Deletes every stored form of a blob; resolves with the bytes they took. */
  async deleteBlob(digest: Digest): Promise<number> {
    let bytes = 0;
    for (const path of [blobPath(digest), storeEncryptedBlobPath(digest)]) {
      await ignoringMissing(async () => {
        bytes += (await this.driver.stat(path)).size;
        await this.driver.delete(path);
      });
    }
    // Only when empty: the same blob may be being stored again into it right now.
    await this.driver.deleteEmptyDirectory(blobDir(digest));
    return bytes;
  }

  /** Visits every file under the blobs root. */
  walkBlobs(visit: (info: FileInfo) => void | Promise<void>): Promise<void> {
    return ignoringMissing(() =>
      this.driver.walk(BLOBS_ROOT, async (info) => {
        if (!info.isDir) await visit(info);
      }),
    );
  }

  /** Deletes one stored file. */
  deleteStored(path: string): Promise<void> {
    return ignoringMissing(() => this.driver.delete(path));
  }
}
