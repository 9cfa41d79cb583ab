// The conversion index of the metadata port: stored manifests served in another format, kept
// so that the converted digest resolves. Adapter: kysely-conversions.ts.

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

export interface ConversionIndex {
  get(repositoryId: string, sourceDigest: string, variant: string): Promise<ManifestConversion | undefined>;
  /** A conversion of a manifest of the repository, by the converted manifest's own digest. */
  byDigest(repositoryId: string, digest: string): Promise<ManifestConversion | undefined>;
  /**
   * Keeps the conversion unless one of the same source and variant exists (then that one is
   * returned: nodes racing to convert agree). Undefined when the source manifest is gone.
   */
  put(conversion: ManifestConversion): Promise<ManifestConversion | undefined>;
}
