// The records of the manifest index (metadata/store-manifests.ts): manifests as stored.

export interface ManifestRecord {
  repositoryId: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  subjectDigest: string | null;
  annotations: Record<string, string> | null;
  createdAt: number;
  /** The blob holding the bytes when it is not `digest` (a signed schema 1 manifest); absent otherwise. */
  contentDigest?: string;
  /** ARCHIVED or ACTIVATING (ECR's archive): not pullable. Absent means ACTIVE. */
  imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
}
