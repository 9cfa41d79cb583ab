// The records of the blob key index (metadata/store-blob-keys.ts): data keys wrapped by the
// master key or a KMS key, per blob.

/** A data key wrapped by a wrapping key: the master key ('master') or a KMS key (its ARN). */
export interface WrappedKey {
  /** The data key's id (hex), as in the headers of the files it seals. */
  id: string;
  wrappingKey: string;
  wrapped: string;
}

export interface BlobKey extends WrappedKey {
  digest: string;
}
