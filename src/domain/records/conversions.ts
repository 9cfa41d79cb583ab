// The records of the conversion index (metadata/store-conversions.ts): stored manifests served
// in another format.

/** A stored manifest served in another format (a conversion on pull), kept so its digest resolves. */
export interface ManifestConversion {
  repositoryId: string;
  sourceDigest: string;
  /** What it was converted for: the target media type, with the tag for schema 1 (which names it). */
  variant: string;
  digest: string;
  mediaType: string;
  size: number;
  /** The blob holding the bytes when it is not `digest` (signed schema 1), else null. */
  contentDigest: string | null;
  createdAt: number;
}
