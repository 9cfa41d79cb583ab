// The blob index of the metadata port: verified blobs and their links into repositories.
// Adapter: kysely-store.ts.
import type { Repository } from '../domain/records/repositories.js';

export interface BlobIndex {
  /**
   * Records a verified blob and links it into a repository, in one step, before its bytes are
   * placed: while a garbage collection is deleting the blob's bytes this waits until they are gone.
   */
  link(repositoryId: string, digest: string, size: number): Promise<void>;
  /**
   * Links a blob the registry has (a mount), unless it has none or a garbage collection is
   * deleting it; returns its size when linked.
   */
  linkExisting(repositoryId: string, digest: string): Promise<number | undefined>;
  /** The size of a blob linked into the repository, or undefined. */
  linkedSize(repositoryId: string, digest: string): Promise<number | undefined>;
  unlink(repositoryId: string, digest: string): Promise<boolean>;
  /** The size of a blob known to the registry (in any repository), or undefined. */
  size(digest: string): Promise<number | undefined>;
  /** Repositories the blob is linked into, for mount decisions. */
  repositoriesWith(digest: string, limit: number): Promise<Repository[]>;
}
