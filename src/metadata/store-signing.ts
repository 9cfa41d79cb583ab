// The signing index of the metadata port: ECR managed signing's configuration per registry, each
// image's signing status per signing profile (IN_PROGRESS rows are the outbox of signings to do),
// and the repositories whose pulls require a valid signature. Adapter: kysely-signing.ts.
import type { ImageSigningRecord, SignatureRequirement, SigningRule } from '../domain/records/signing.js';

export interface SigningIndex {
  /** The registry's signing rules; undefined when it has no signing configuration. */
  configuration(accountId: string): Promise<SigningRule[] | undefined>;
  putConfiguration(accountId: string, rules: SigningRule[], at: number): Promise<void>;
  /** Removes the configuration; returns the rules it had (undefined when there was none). */
  deleteConfiguration(accountId: string): Promise<SigningRule[] | undefined>;
  /** Adds or replaces statuses (by repository, digest and signing profile). */
  putStatuses(records: ImageSigningRecord[]): Promise<void>;
  /** An image's statuses, by signing profile. */
  statuses(repositoryId: string, digest: string): Promise<ImageSigningRecord[]>;
  /** Signings still IN_PROGRESS whose last change is at `before` or earlier (a crashed node's), oldest first. */
  pending(before: number, limit: number): Promise<ImageSigningRecord[]>;
  requirement(repositoryId: string): Promise<SignatureRequirement | undefined>;
  putRequirement(requirement: SignatureRequirement): Promise<void>;
  /** False when the repository had no requirement. */
  deleteRequirement(repositoryId: string): Promise<boolean>;
  /** The account's requirements, by repository id. */
  requirements(accountId: string): Promise<SignatureRequirement[]>;
}
