// The metadata port's index of Secrets Manager's secrets and their versions (issue 22).
import type { Secret, SecretVersion } from '../domain/records/secrets.js';

/** What a secret's update may change. */
export type SecretChanges = Partial<
  Pick<Secret, 'description' | 'kmsKeyArn' | 'tags' | 'policy' | 'updatedAt' | 'accessedAt' | 'deletedAt'>
>;

export interface SecretIndex {
  /** Adds a secret (and its first version); false when its account already has one by that name. */
  create(secret: Secret, first?: SecretVersion): Promise<boolean>;
  get(accountId: string, name: string): Promise<Secret | undefined>;
  getByArn(arn: string): Promise<Secret | undefined>;
  /** Every secret of the account, by name. */
  list(accountId: string): Promise<Secret[]>;
  update(id: string, changes: SecretChanges): Promise<void>;
  /** Removes the secret and all its versions. */
  delete(id: string): Promise<void>;
  /** Secrets whose scheduled deletion is due at `now`, at most `limit`. */
  dueForDeletion(now: number, limit: number): Promise<Secret[]>;
  versions(secretId: string): Promise<SecretVersion[]>;
  /**
   * Adds a version and sets other versions' labels (`restaged`: versionId → its labels now) in one
   * transaction; false when the version id already exists.
   */
  addVersion(version: SecretVersion, restaged: Record<string, string[]>): Promise<boolean>;
  /** Sets versions' labels (versionId → labels). */
  restage(secretId: string, restaged: Record<string, string[]>): Promise<void>;
  /**
   * Versions whose sealed value starts with `prefix` (a master key rotation pages through those the
   * master key sealed), after `after`, by secret id then version id, with their secret's ARN.
   */
  sealedPage(prefix: string, after: SealedVersionRef | undefined, limit: number): Promise<SealedVersion[]>;
  /** Replaces a version's sealed value (re-sealed under another master key). */
  replaceSealed(secretId: string, versionId: string, sealed: string): Promise<void>;
}

export interface SealedVersionRef {
  secretId: string;
  versionId: string;
}

export interface SealedVersion extends SealedVersionRef {
  arn: string;
  sealed: string;
}
