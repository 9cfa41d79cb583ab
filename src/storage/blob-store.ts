// The content-addressed blob store over a storage driver: verified blobs by digest, and the
// byte files of uploads in progress. Linking blobs into repositories is metadata's job.
import type { Readable } from 'node:stream';
import type { Digest } from '../domain/digest.js';
import { PathNotFoundError, type FileWriter, type RandomAccessFile, type StorageDriver } from './driver.js';
import { blobPath, uploadDataPath, uploadDir } from './layout.js';

export class BlobStore {
  constructor(readonly driver: StorageDriver) {}

  /** Size of a stored blob, or undefined when it is not stored. */
  async size(digest: Digest): Promise<number | undefined> {
    try {
      return (await this.driver.stat(blobPath(digest))).size;
    } catch (err) {
      if (err instanceof PathNotFoundError) return undefined;
      throw err;
    }
  }

  open(digest: Digest, offset?: number, length?: number): Promise<Readable> {
    return this.driver.reader(blobPath(digest), offset, length);
  }

  /** Positioned reads of a blob, when the driver offers them; undefined otherwise (use `open`). */
  openRandomAccess(digest: Digest): Promise<RandomAccessFile> | undefined {
    return this.driver.openRandomAccess?.(blobPath(digest));
  }

  /** A URL of the store itself where the blob can be fetched, when the driver gives those out. */
  async downloadUrl(digest: Digest): Promise<string | undefined> {
    return this.driver.downloadUrl?.(blobPath(digest));
  }

  read(digest: Digest): Promise<Buffer> {
    return this.driver.getContent(blobPath(digest));
  }

  /** Stores bytes the caller has already verified against `digest`. */
  put(digest: Digest, bytes: Uint8Array): Promise<void> {
    return this.driver.putContent(blobPath(digest), bytes);
  }

  uploadWriter(id: string, append: boolean): Promise<FileWriter> {
    return this.driver.writer(uploadDataPath(id), append);
  }

  /** Size of an upload's bytes so far (0 when nothing was written yet). */
  async uploadSize(id: string): Promise<number> {
    try {
      return (await this.driver.stat(uploadDataPath(id))).size;
    } catch (err) {
      if (err instanceof PathNotFoundError) return 0;
      throw err;
    }
  }

  uploadReader(id: string, length?: number): Promise<Readable> {
    return this.driver.reader(uploadDataPath(id), 0, length);
  }

  /** Makes a verified upload the blob `digest`: one atomic move, then the upload is gone. */
  async promoteUpload(id: string, digest: Digest): Promise<void> {
    await this.driver.move(uploadDataPath(id), blobPath(digest));
    await this.deleteUpload(id);
  }

  async deleteUpload(id: string): Promise<void> {
    try {
      await this.driver.delete(uploadDir(id));
    } catch (err) {
      if (!(err instanceof PathNotFoundError)) throw err;
    }
  }
}
