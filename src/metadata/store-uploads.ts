// The upload index of the metadata port: upload sessions any node can continue, with the data
// key their bytes are sealed with. Adapter: kysely-store.ts.
import type { Upload } from '../domain/records/uploads.js';
import type { WrappedKey } from '../domain/records/blob-keys.js';

export interface UploadIndex {
  create(upload: Omit<Upload, 'verifiedDigest' | 'dataKey'> & { dataKey?: WrappedKey | null }): Promise<void>;
  /** Replaces the wrap of an upload's data key (master key rotation). */
  setDataKey(id: string, dataKey: WrappedKey): Promise<void>;
  get(id: string): Promise<Upload | undefined>;
  touch(id: string, at: number): Promise<void>;
  /**
   * Takes (or renews) the upload's write lease for `holder` until `until`: only when no other
   * holder has a lease still running at `now`. False when another holds it or the upload is gone.
   */
  lease(id: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up, if `holder` still has it. */
  release(id: string, holder: string): Promise<void>;
  /** Gives up every lease whose holder starts with `prefix` (a node's leases from before it restarted). */
  releaseHeldBy(prefix: string): Promise<number>;
  /** Records that the upload's bytes were verified as `digest`. */
  markVerified(id: string, digest: string): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Ids of a repository's uploads (to free their bytes when it is deleted). */
  idsOf(repositoryId: string): Promise<string[]>;
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
