// The upload index of the metadata port: upload sessions any node can continue, with the data
// key their bytes are sealed with. Adapter: kysely-store.ts.
import type { WrappedKey } from './store-blob-keys.js';

export interface Upload {
  id: string;
  repositoryId: string;
  createdAt: number;
  updatedAt: number;
  /** The digest the upload's bytes were verified to have, once they are about to become a blob. */
  verifiedDigest: string | null;
  /** The data key its bytes are sealed with, wrapped. */
  dataKey: WrappedKey | null;
}

export interface UploadIndex {
  create(upload: Omit<Upload, 'verifiedDigest' | 'dataKey'> & { dataKey?: WrappedKey | null }): Promise<void>;
  /** Replaces the wrap of an upload's data key (master key rotation). */
  setDataKey(id: string, dataKey: WrappedKey): Promise<void>;
  get(id: string): Promise<Upload | undefined>;
  touch(id: string, at: number): Promise<void>;
  /** Records that the upload's bytes were verified as `digest`. */
  markVerified(id: string, digest: string): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Uploads not touched since `before`, oldest first. */
  stale(before: number, limit: number): Promise<Upload[]>;
  /**
   * Records that an ECR layer part began at `start`: when one came before it (it was not the
   * last) and was smaller than `minSize`, the first such size is kept for `shortPart`.
   */
  recordPart(id: string, start: number, minSize: number): Promise<void>;
  /** The size of the first part but the last that was under the minimum, if any. */
  shortPart(id: string): Promise<number | undefined>;
}
