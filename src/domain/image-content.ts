// What a service outside registry/ (the scanner) reads and writes of an account's images,
// through the registry's own services (so blobs are decrypted as stored and a manifest put goes
// through the normal push path, its checks, referrers and listeners). registry/'s services
// implement it; the composition root (app/scanning.ts) passes the implementation in.

export interface ImageContent {
  /** The manifest's bytes and media type; undefined when the repository does not hold it. */
  manifest(
    accountId: string,
    repositoryName: string,
    digest: string,
  ): Promise<{ mediaType: string; bytes: Buffer } | undefined>;
  /** A blob's bytes as a stream (decrypted when stored encrypted). */
  blob(accountId: string, repositoryName: string, digest: string): AsyncIterable<Uint8Array>;
  /** Stores a blob in the repository. */
  pushBlob(accountId: string, repositoryName: string, digest: string, bytes: Buffer): Promise<void>;
  /** Puts a manifest by its digest through the push path. */
  pushManifest(
    accountId: string,
    repositoryName: string,
    digest: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<void>;
}
