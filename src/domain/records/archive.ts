// The records of the archive index (metadata/store-archive.ts): images' storage classes (ECR's
// archive) and the queued moves of their layers between the classes.

/** ECR's imageStatus. */
export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';

/** A storage class an image's layers are moved into (ECR's TargetStorageClass). */
export type TargetStorageClass = 'STANDARD' | 'ARCHIVE';

/** A queued move of an image's layers, with its progress. */
export interface StorageMove {
  repositoryId: string;
  digest: string;
  target: TargetStorageClass;
  requestedAt: number;
  leaseHolder: string | null;
  leaseUntil: number | null;
  blobsTotal: number;
  blobsDone: number;
  bytesTotal: number;
  bytesDone: number;
}

/** A blob an image references, with its size. */
export interface ImageBlob {
  digest: string;
  size: number;
}
