// The blob index of the metadata port: verified blobs and their links into repositories.
// Adapter: kysely-store.ts.
import type { Repository } from '../domain/records/repositories.js';

export interface BlobIndex {
  /** Records a verified blob and links it into a repository, in one step. */
  link(repositoryId: string, digest: string, size: number): Promise<void>;
  /** The size of a blob linked into the repository, or undefined. */
  linkedSize(repositoryId: string, digest: string): Promise<number | undefined>;
  unlink(repositoryId: string, digest: string): Promise<boolean>;
  /** The size of a blob known to the registry (in any repository), or undefined. */
  size(digest: string): Promise<number | undefined>;
  /** Repositories the blob is linked into, for mount decisions. */
  repositoriesWith(digest: string, limit: number): Promise<Repository[]>;
}
