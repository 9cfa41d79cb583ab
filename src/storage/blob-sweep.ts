// What garbage collection does to stored bytes (registry/gc.ts decides when): delete blobs'
// forms in batches, walk every stored blob file (the audit), delete one stored file (the audit's fix).
import type { Digest } from '../domain/digest.js';
import { type FileInfo, PathNotFoundError, type StorageDriver } from './driver.js';
import { plainSize } from './encryption/segments.js';
import { BLOBS_ROOT, blobDir, blobPath, storeEncryptedBlobPath } from './layout.js';

/** Stats and directory removals at once (a file system's few threads, an object store's round trips). */
const STAT_CONCURRENCY = 8;

/** `work` on every item, at most `limit` at a time; resolves with the results in order. */
async function limited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function ignoringMissing(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof PathNotFoundError)) throw err;
  }
}

export class BlobSweep {
  constructor(private readonly driver: StorageDriver) {}

  /**
   * Deletes every stored form of many blobs with one batch delete (the driver's deleteFiles), then
   * their directories where emptied. Resolves with each blob's bytes: `size` when the index knows
   * it (the content's size), otherwise the content size of the sealed form as stored (manifest
   * bytes, which have no blob row and are only ever sealed), 0 when nothing is stored.
   */
  async deleteBlobs(objects: readonly { digest: Digest; size?: number }[]): Promise<number[]> {
    const sizes = await limited(objects, STAT_CONCURRENCY, async ({ digest, size }) => {
      if (size !== undefined) return size;
      try {
        return plainSize((await this.driver.stat(blobPath(digest))).size);
      } catch (err) {
        if (err instanceof PathNotFoundError) return 0;
        throw err;
      }
    });
    await this.driver.deleteFiles(objects.flatMap(({ digest }) => [blobPath(digest), storeEncryptedBlobPath(digest)]));
    // Only when empty: the same blob may be being stored again into it right now.
    await limited(objects, STAT_CONCURRENCY, ({ digest }) => this.driver.deleteEmptyDirectory(blobDir(digest)));
    return sizes;
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
