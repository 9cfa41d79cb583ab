// The blob key index of the metadata port: data keys wrapped by the master key or a KMS key, per
// blob. Adapter: kysely-blob-keys.ts.
import type { BlobKey } from '../domain/records/blob-keys.js';

/** Wraps of blobs' data keys, by digest, data key id and wrapping key. */
export interface BlobKeyIndex {
  /** Records a wrap unless one exists for the same digest, data key and wrapping key. */
  put(key: BlobKey): Promise<void>;
  get(digest: string, dataKeyId: string, wrappingKey: string): Promise<BlobKey | undefined>;
  /** Every wrap of one data key of a blob. */
  list(digest: string, dataKeyId: string): Promise<BlobKey[]>;
  /** Wraps under one wrapping key, by digest then data key id, after `after`. */
  page(wrappingKey: string, after: { digest: string; id: string } | undefined, limit: number): Promise<BlobKey[]>;
  /** Replaces the wrapped bytes of an existing wrap (master key rotation). */
  rewrap(key: BlobKey): Promise<void>;
}
