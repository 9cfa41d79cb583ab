// The deletion protection index of the metadata port: repositories, and tag patterns in them,
// that deletions must leave alone. Adapter: kysely-protection.ts.
import type { DeletionProtection } from '../domain/records/protection.js';

export interface ProtectionIndex {
  /** Adds a protection (`tagPattern` null: the whole repository). False when it was there already. */
  add(repositoryId: string, tagPattern: string | null, createdAt: number, createdBy: string | null): Promise<boolean>;
  /** Lifts a protection. False when there was no such one. */
  remove(repositoryId: string, tagPattern: string | null): Promise<boolean>;
  /** The repository's protections: its own first (pattern null), then by pattern. */
  forRepository(repositoryId: string): Promise<DeletionProtection[]>;
  /** Every protection of a registry's repositories, by repository name then pattern. */
  list(registryKey: string): Promise<DeletionProtection[]>;
}
