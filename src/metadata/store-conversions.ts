// The conversion index of the metadata port: stored manifests served in another format, kept
// so that the converted digest resolves. Adapter: kysely-conversions.ts.
import type { ManifestConversion } from '../domain/records/conversions.js';

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
