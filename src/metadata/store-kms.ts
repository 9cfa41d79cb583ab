// The KMS index of the metadata port: the key service's keys, every version of their material,
// their aliases and grants. Adapter: kysely-kms.ts.
import type { KmsAlias, KmsGrant, KmsKey, KmsKeyMaterial } from '../domain/records/kms.js';

export type KmsKeyChanges = Partial<
  Pick<KmsKey, 'state' | 'deletionDate' | 'pendingWindowDays' | 'rotationEnabled' | 'rotationPeriodDays' | 'policy'>
>;

/** The key service's keys, their material (every version, for decryption) and aliases. */
export interface KmsIndex {
  createKey(key: KmsKey, material: KmsKeyMaterial): Promise<void>;
  getKey(id: string): Promise<KmsKey | undefined>;
  /** An account's keys by id, after `after`; with `liveAt`, none whose deletion date is past by then. */
  listKeys(accountId: string, after: string | undefined, limit: number, liveAt?: number): Promise<KmsKey[]>;
  /** The key after the change, or undefined when it does not exist. */
  updateKey(id: string, changes: KmsKeyChanges): Promise<KmsKey | undefined>;
  /** Adds a version of a key's material; false when that version exists. */
  addMaterial(material: KmsKeyMaterial): Promise<boolean>;
  /** One version of a key's material, or the newest when `version` is omitted. */
  material(keyId: string, version?: number): Promise<KmsKeyMaterial | undefined>;
  /** All material of every key, by key id then version, after `after` (master key rotation). */
  allMaterial(after: { keyId: string; version: number } | undefined, limit: number): Promise<KmsKeyMaterial[]>;
  rewrapMaterial(material: KmsKeyMaterial): Promise<void>;
  /** Enabled keys with automatic rotation on (of every account), by id, after `after`. */
  rotatingKeys(after: string | undefined, limit: number): Promise<KmsKey[]>;
  /**
   * Deletes up to `limit` keys pending deletion whose deletion date is `now` or earlier, with
   * their material, aliases and grants (of every account); returns their ids.
   */
  deleteDueKeys(now: number, limit: number): Promise<string[]>;
  /** False when the account has an alias of that name. */
  createAlias(alias: KmsAlias): Promise<boolean>;
  getAlias(accountId: string, name: string): Promise<KmsAlias | undefined>;
  /** An account's aliases by name (of one key, when given), after `after`. */
  listAliases(
    accountId: string,
    keyId: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<KmsAlias[]>;
  createGrant(grant: KmsGrant): Promise<void>;
  getGrant(id: string): Promise<KmsGrant | undefined>;
  /** A key's grants by id, after `after`; only those for one grantee principal when given. */
  listGrants(
    keyId: string,
    granteePrincipal: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<KmsGrant[]>;
  /** A key's grants for any of these grantee principals (authorization). */
  grantsFor(keyId: string, granteePrincipals: readonly string[]): Promise<KmsGrant[]>;
  /** Grants of every key whose retiring principal is this one, by id, after `after`. */
  listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number): Promise<KmsGrant[]>;
  /** False when there was no such grant. */
  deleteGrant(id: string): Promise<boolean>;
}
