// The metadata port: repositories, blob links, manifests, tags and upload sessions. Narrow
// sub-interfaces, one per concern; every adapter (sqlite, postgres) passes store-suite.ts.
import type { ResourceTag } from '../domain/resource-tags.js';
import type { TagMutability } from '../domain/tag-mutability.js';

export type EncryptionType = 'AES256' | 'KMS' | 'KMS_DSSE';

/** What a repository is created with; the tag mutability may change later, the rest may not. */
export interface RepositorySettings extends TagMutability {
  scanOnPush: boolean;
  encryptionType: EncryptionType;
  /** The KMS key named at creation (KMS and KMS_DSSE only). */
  kmsKey: string | null;
}

export interface Repository extends RepositorySettings {
  id: string;
  accountId: string;
  name: string;
  createdAt: number;
}

export interface ManifestRecord {
  repositoryId: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  subjectDigest: string | null;
  annotations: Record<string, string> | null;
  createdAt: number;
  /** The blob holding the bytes when it is not `digest` (a signed schema 1 manifest); absent otherwise. */
  contentDigest?: string;
}

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

export interface Upload {
  id: string;
  repositoryId: string;
  createdAt: number;
  updatedAt: number;
  /** The digest the upload's bytes were verified to have, once they are about to become a blob. */
  verifiedDigest: string | null;
  /** The data key its bytes are sealed with, wrapped. */
  dataKey: WrappedKey | null;
}

/** A data key wrapped by a wrapping key: the master key ('master') or a KMS key (its ARN). */
export interface WrappedKey {
  /** The data key's id (hex), as in the headers of the files it seals. */
  id: string;
  wrappingKey: string;
  wrapped: string;
}

export interface BlobKey extends WrappedKey {
  digest: string;
}

export interface Page {
  /** Return names strictly after this one. */
  last?: string;
  /** At most this many. */
  limit: number;
}

export interface RepositoryIndex {
  get(accountId: string, name: string): Promise<Repository | undefined>;
  getById(id: string): Promise<Repository | undefined>;
  /** Creates the repository, or returns it when it exists already (concurrent creators agree). */
  ensure(accountId: string, name: string): Promise<Repository>;
  /**
   * Creates the repository with its settings and resource tags (under `resourceArn`, replacing
   * any left there) in one step; undefined when the name is taken (and nothing changes).
   */
  create(accountId: string, name: string, settings: RepositorySettings, tags?: { resourceArn: string; tags: ResourceTag[] }): Promise<Repository | undefined>;
  /** Names in byte order. */
  list(accountId: string, page: Page): Promise<string[]>;
  /** Whole repositories in byte order of name. */
  describe(accountId: string, page: Page): Promise<Repository[]>;
  /** The repository with its new tag mutability, or undefined when it does not exist. */
  setTagMutability(id: string, mutability: TagMutability): Promise<Repository | undefined>;
  /**
   * Deletes the repository with everything in it (links, manifests, tags, uploads) and the
   * resource tags under `resourceArn`. False when it does not exist, or with `ifEmpty` when it
   * still holds a manifest (then nothing changes).
   */
  delete(id: string, options?: { ifEmpty?: boolean; resourceArn?: string }): Promise<boolean>;
}

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

/** A put refused because one of its immutable tags points at another manifest. */
export type ManifestPutOutcome = { stored: true } | { stored: false; immutableTag: string };

export interface ManifestIndex {
  get(repositoryId: string, digest: string): Promise<ManifestRecord | undefined>;
  /**
   * Stores the manifest with its references and tags in one transaction. A tag among
   * `immutableTags` is never moved: when one points at another manifest nothing is stored.
   */
  put(record: ManifestRecord, references: string[], tags: string[], immutableTags?: string[]): Promise<ManifestPutOutcome>;
  /** Deletes the manifest and every tag pointing at it. */
  delete(repositoryId: string, digest: string): Promise<boolean>;
  /** Manifests in the repository whose `subject` is `digest`, optionally of one artifact type. */
  referrers(repositoryId: string, subjectDigest: string, artifactType?: string): Promise<ManifestRecord[]>;
  /** Which of these digests are manifests in the repository. */
  existing(repositoryId: string, digests: string[]): Promise<Set<string>>;
}

export interface TagIndex {
  /** The manifest a tag points at, with its record. */
  resolve(repositoryId: string, tag: string): Promise<ManifestRecord | undefined>;
  list(repositoryId: string, page: Page): Promise<string[]>;
  delete(repositoryId: string, tag: string): Promise<boolean>;
}

/** Which images a listing includes: those with a tag, those without, or all. */
export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';

/** One entry of an image listing: a tag and its manifest, or an untagged manifest (tag null). */
export interface ImageId {
  digest: string;
  tag: string | null;
}

/** A manifest seen as an image: with its tags and the last recorded pull. */
export interface ImageRecord extends ManifestRecord {
  /** In byte order. */
  tags: string[];
  lastPulledAt: number | null;
}

/** The image view of a repository's manifests (the ECR image actions). */
export interface ImageIndex {
  /** Image ids ordered by digest then tag (byte order), strictly after `after`. */
  ids(repositoryId: string, tagStatus: TagStatus, page: { after?: ImageId; limit: number }): Promise<ImageId[]>;
  /** Images ordered by digest, strictly after the digest `last`. */
  list(repositoryId: string, tagStatus: TagStatus, page: Page): Promise<ImageRecord[]>;
  /** The images among these digests (missing ones are left out), in no particular order. */
  get(repositoryId: string, digests: string[]): Promise<ImageRecord[]>;
  /**
   * Image sizes: the blobs an image manifest references (config and layers) added up; for an
   * index, the largest of its child images. Digests without referenced content are left out.
   */
  sizes(repositoryId: string, digests: string[]): Promise<Map<string, number>>;
  /** Manifests of the repository that name `digest` as a child (indexes over it). */
  parents(repositoryId: string, digest: string): Promise<string[]>;
  /** Whether a manifest of the repository references the blob. */
  referencesBlob(repositoryId: string, digest: string): Promise<boolean>;
  /** Records a pull at `at`, unless a later one is recorded already. */
  recordPull(repositoryId: string, digest: string, at: number): Promise<void>;
}

export interface UploadIndex {
  create(upload: Omit<Upload, 'verifiedDigest' | 'dataKey'> & { dataKey?: WrappedKey | null }): Promise<void>;
  /** Replaces the wrap of an upload's data key (master key rotation). */
  setDataKey(id: string, dataKey: WrappedKey): Promise<void>;
  get(id: string): Promise<Upload | undefined>;
  touch(id: string, at: number): Promise<void>;
  /** Records that the upload's bytes were verified as `digest`. */
  markVerified(id: string, digest: string): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Uploads not touched since `before`, oldest first. */
  stale(before: number, limit: number): Promise<Upload[]>;
}

export interface SettingsIndex {
  get(key: string): Promise<string | undefined>;
  /** Replaces a value that exists (re-sealing secrets); false when the key has none. */
  replace(key: string, value: string): Promise<boolean>;
  /** Sets the key only if it has no value yet; returns the value that is stored. */
  setIfAbsent(key: string, value: string): Promise<string>;
}

/** Tags on resources (repositories), by the resource's ARN. */
export interface ResourceTagIndex {
  /** The resource's tags, by key. */
  list(resourceArn: string): Promise<ResourceTag[]>;
  /**
   * Adds the tags, replacing the values of keys it has; false (and nothing changes) when the
   * resource would then have more than `limit` tags.
   */
  put(resourceArn: string, tags: ResourceTag[], limit: number): Promise<boolean>;
  /** Removes the tags with these keys; keys it does not have are ignored. */
  remove(resourceArn: string, keys: string[]): Promise<void>;
}

/** Per-account settings (the ECR API's account settings), by name. */
export interface AccountSettingIndex {
  get(accountId: string, name: string): Promise<string | undefined>;
  put(accountId: string, name: string, value: string): Promise<void>;
}

export interface Job {
  name: string;
  nextRunAt: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastRunAt: number | null;
  lastError: string | null;
}

/** Durable recurring jobs, each run by one node at a time under a lease that expires. */
export interface JobIndex {
  /** Declares a job (first run at `firstRunAt`) unless it exists. */
  ensure(name: string, firstRunAt: number): Promise<void>;
  /** Leases one due job that nobody holds (or whose lease expired) to `node` until `leaseUntil`. */
  claim(node: string, now: number, leaseUntil: number): Promise<string | undefined>;
  /** Records a run by `node`, schedules the next and releases the lease. */
  complete(name: string, node: string, at: number, nextRunAt: number, error: string | null): Promise<void>;
  get(name: string): Promise<Job | undefined>;
}

export interface Account {
  id: string;
  createdAt: number;
}

export interface User {
  id: string;
  accountId: string;
  name: string;
  /** The account's root identity, or an IAM user. */
  kind: 'root' | 'user';
  arn: string;
  createdAt: number;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKey {
  id: string;
  userId: string;
  /** The secret, encrypted with the master key. */
  secretCiphertext: string;
  status: AccessKeyStatus;
  createdAt: number;
  lastUsedAt: number | null;
}

/** Accounts, their users and the users' access keys. */
export interface IdentityIndex {
  ensureAccount(id: string, at: number): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** False when the account already has a user of that name. */
  createUser(user: User): Promise<boolean>;
  getUser(id: string): Promise<User | undefined>;
  getUserByName(accountId: string, name: string): Promise<User | undefined>;
  listUsers(accountId: string): Promise<User[]>;
  /** Deletes the user and its access keys. */
  deleteUser(id: string): Promise<boolean>;
  createAccessKey(key: AccessKey): Promise<void>;
  /** The key with the user it belongs to. */
  getAccessKey(id: string): Promise<{ key: AccessKey; user: User } | undefined>;
  listAccessKeys(userId: string): Promise<AccessKey[]>;
  setAccessKeyStatus(id: string, status: AccessKeyStatus): Promise<boolean>;
  /** Replaces a key's sealed secret (master key rotation). */
  setAccessKeySecret(id: string, secretCiphertext: string): Promise<boolean>;
  deleteAccessKey(id: string): Promise<boolean>;
  touchAccessKey(id: string, at: number): Promise<void>;
}

/** Wraps of blobs' data keys, by digest, data key id and wrapping key. */
export interface BlobKeyIndex {
  /** Records a wrap unless one exists for the same digest, data key and wrapping key. */
  put(key: BlobKey): Promise<void>;
  get(digest: string, dataKeyId: string, wrappingKey: string): Promise<BlobKey | undefined>;
  /** Every wrap of one data key of a blob. */
  list(digest: string, dataKeyId: string): Promise<BlobKey[]>;
  /** Wraps under one wrapping key, by digest then data key id, after `after`. */
  page(wrappingKey: string, after: { digest: string; id: string } | undefined, limit: number): Promise<BlobKey[]>;
  /** Replaces the wrapped bytes of an existing wrap (master key rotation). */
  rewrap(key: BlobKey): Promise<void>;
}

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KmsKey {
  id: string;
  accountId: string;
  arn: string;
  description: string;
  state: KmsKeyState;
  keyUsage: string;
  keySpec: string;
  createdAt: number;
  deletionDate: number | null;
  pendingWindowDays: number | null;
  rotationEnabled: boolean;
  rotationPeriodDays: number | null;
  policy: string;
}

export interface KmsKeyMaterial {
  keyId: string;
  version: number;
  /** Sealed with the master key. */
  sealed: string;
  createdAt: number;
}

export interface KmsAlias {
  accountId: string;
  /** With its `alias/` prefix. */
  name: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

/** Who an identity policy belongs to: an IAM user or role, by its unique id. */
export interface PolicyOwner {
  type: 'user' | 'role';
  id: string;
}

/** A customer managed policy (IAM CreatePolicy), one version kept. */
export interface ManagedPolicyRecord {
  arn: string;
  /** IAM's unique policy id (ANPA…). */
  id: string;
  accountId: string;
  name: string;
  path: string;
  description: string | null;
  policyText: string;
  createdAt: number;
  updatedAt: number;
}

/** A policy document as stored, with the name it is known by. */
export interface StoredPolicy {
  name: string;
  policyText: string;
}

/**
 * Policies: the resource-based ones (a repository's, a registry's) and the identity-based ones
 * (inline policies of users and roles, customer managed policies and their attachments). Texts
 * are stored as given; validation is the policy engine's, before anything is stored.
 */
export interface PolicyIndex {
  getRepositoryPolicy(repositoryId: string): Promise<string | undefined>;
  /** False (and nothing changes) when the repository does not exist. */
  setRepositoryPolicy(repositoryId: string, policyText: string, at: number): Promise<boolean>;
  /** The text that was deleted, or undefined when there was none. */
  deleteRepositoryPolicy(repositoryId: string): Promise<string | undefined>;
  getRegistryPolicy(accountId: string): Promise<string | undefined>;
  putRegistryPolicy(accountId: string, policyText: string, at: number): Promise<void>;
  deleteRegistryPolicy(accountId: string): Promise<string | undefined>;

  /** Creates or replaces the owner's inline policy of that name. */
  putInlinePolicy(owner: PolicyOwner, name: string, policyText: string): Promise<void>;
  getInlinePolicy(owner: PolicyOwner, name: string): Promise<string | undefined>;
  /** By name, in byte order. */
  listInlinePolicies(owner: PolicyOwner): Promise<StoredPolicy[]>;
  deleteInlinePolicy(owner: PolicyOwner, name: string): Promise<boolean>;

  /** False when the account has a policy of that name already. */
  createManagedPolicy(policy: ManagedPolicyRecord): Promise<boolean>;
  getManagedPolicy(arn: string): Promise<ManagedPolicyRecord | undefined>;
  /** The account's customer managed policies by name. */
  listManagedPolicies(accountId: string): Promise<ManagedPolicyRecord[]>;
  /** 'attached' (and nothing changes) while an owner has it attached, as IAM's DeleteConflict. */
  deleteManagedPolicy(arn: string): Promise<'deleted' | 'missing' | 'attached'>;
  /** Attaches a policy by ARN (customer or AWS managed); false when already attached. */
  attachPolicy(owner: PolicyOwner, policyArn: string): Promise<boolean>;
  detachPolicy(owner: PolicyOwner, policyArn: string): Promise<boolean>;
  /** ARNs in byte order. */
  listAttachedPolicies(owner: PolicyOwner): Promise<string[]>;
  /** How many owners have the policy attached. */
  attachmentCount(policyArn: string): Promise<number>;
  /** Removes the owner's inline policies and attachments (when a user or role is deleted). */
  deleteOwner(owner: PolicyOwner): Promise<void>;
  /**
   * What the authorizer reads per request: the owner's inline policies (named by their names)
   * and the texts of its attached customer managed policies (named by ARN), and the ARNs of
   * attached policies without a row (AWS managed ones, resolved by the policy layer).
   */
  identityPolicies(owner: PolicyOwner): Promise<{ policies: StoredPolicy[]; otherArns: string[] }>;
}

/** A public repository's catalog data (ECR Public's RepositoryCatalogData, with the logo's bytes). */
export interface RepositoryCatalog {
  description: string | null;
  aboutText: string | null;
  usageText: string | null;
  architectures: string[];
  operatingSystems: string[];
  logo: { mediaType: string; data: Buffer } | null;
}

export type AliasStatus = 'ACTIVE' | 'PENDING' | 'REJECTED';

export interface RegistryAlias {
  name: string;
  accountId: string;
  status: AliasStatus;
  primary: boolean;
  default: boolean;
  createdAt: number;
}

export interface PublicRegistry {
  accountId: string;
  displayName: string;
  createdAt: number;
}

/** A public repository found by a search, with its catalog data (empty when it has none). */
export interface PublicRepositoryEntry {
  repository: Repository;
  catalog: RepositoryCatalog;
}

/** What public repositories and registries keep beyond ordinary repositories (ECR Public). */
export interface PublicIndex {
  catalog(repositoryId: string): Promise<RepositoryCatalog | undefined>;
  putCatalog(repositoryId: string, accountId: string, catalog: RepositoryCatalog): Promise<void>;
  registry(accountId: string): Promise<PublicRegistry | undefined>;
  /**
   * The account's public registry, made with `defaultAlias` (ACTIVE, default and primary) when
   * it has none; concurrent callers agree on one. Throws when `defaultAlias` is taken.
   */
  ensureRegistry(accountId: string, defaultAlias: string, at: number): Promise<PublicRegistry>;
  setDisplayName(accountId: string, displayName: string): Promise<boolean>;
  alias(name: string): Promise<RegistryAlias | undefined>;
  /** The account's aliases, default first. */
  aliases(accountId: string): Promise<RegistryAlias[]>;
  /** Every alias (of one status), oldest first. */
  allAliases(status?: AliasStatus): Promise<RegistryAlias[]>;
  /** Records a PENDING alias; false when the name is taken (by anyone). */
  requestAlias(accountId: string, name: string, at: number): Promise<boolean>;
  /**
   * Approves a PENDING alias (it becomes ACTIVE and the account's primary) or rejects it;
   * undefined when no such alias is pending.
   */
  decideAlias(name: string, approve: boolean): Promise<RegistryAlias | undefined>;
  /**
   * Public repositories (of one account, when given) whose name or catalog data contain every
   * term, case-insensitively, newest first; their logos with the media type only (empty data).
   */
  search(terms: string[], options: { accountId?: string; limit: number }): Promise<PublicRepositoryEntry[]>;
}

/** Request counters in fixed windows, shared by every node. */
export interface RateWindowIndex {
  /** Counts one request for `key` in the window starting at `windowStart`; the count after it. */
  hit(key: string, windowStart: number): Promise<number>;
  /** Forgets windows that started before `before`. */
  prune(before: number): Promise<number>;
}

export type KmsKeyChanges = Partial<Pick<KmsKey, 'state' | 'deletionDate' | 'pendingWindowDays' | 'rotationEnabled' | 'rotationPeriodDays' | 'policy'>>;

/** The key service's keys, their material (every version, for decryption) and aliases. */
export interface KmsIndex {
  createKey(key: KmsKey, material: KmsKeyMaterial): Promise<void>;
  getKey(id: string): Promise<KmsKey | undefined>;
  /** An account's keys by id, after `after`. */
  listKeys(accountId: string, after: string | undefined, limit: number): Promise<KmsKey[]>;
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
  /** False when the account has an alias of that name. */
  createAlias(alias: KmsAlias): Promise<boolean>;
  getAlias(accountId: string, name: string): Promise<KmsAlias | undefined>;
  /** An account's aliases by name (of one key, when given), after `after`. */
  listAliases(accountId: string, keyId: string | undefined, after: string | undefined, limit: number): Promise<KmsAlias[]>;
}

export interface Role {
  /** AROA… */
  id: string;
  accountId: string;
  name: string;
  path: string;
  arn: string;
  /** The trust policy document, as given. */
  trustPolicy: string;
  description: string | null;
  /** Seconds, 3600 to 43200. */
  maxSessionDuration: number;
  createdAt: number;
}

/** IAM roles with their trust policies. */
export interface RoleIndex {
  /** False (and nothing changes) when the account already has a role of that name. */
  create(role: Role): Promise<boolean>;
  get(accountId: string, name: string): Promise<Role | undefined>;
  /** The account's roles in byte order of name. */
  list(accountId: string): Promise<Role[]>;
  /** Replaces the trust policy; false when there is no such role. */
  setTrustPolicy(accountId: string, name: string, trustPolicy: string): Promise<boolean>;
  delete(accountId: string, name: string): Promise<boolean>;
}

/** An OpenID Connect identity provider an account trusts (AssumeRoleWithWebIdentity). */
export interface OidcProvider {
  /** arn:aws:iam::ACCOUNT:oidc-provider/URL */
  arn: string;
  accountId: string;
  /** The issuer URL without https:// (host and optional path). */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createdAt: number;
}

export interface OidcProviderIndex {
  /** False (and nothing changes) when a provider with that ARN exists. */
  create(provider: OidcProvider): Promise<boolean>;
  get(arn: string): Promise<OidcProvider | undefined>;
  /** The account's providers in byte order of ARN. */
  list(accountId: string): Promise<OidcProvider[]>;
  delete(arn: string): Promise<boolean>;
}

export interface MetadataStore {
  readonly publicRegistry: PublicIndex;
  readonly rateWindows: RateWindowIndex;
  readonly blobKeys: BlobKeyIndex;
  readonly kms: KmsIndex;
  readonly backend: string;
  readonly repositories: RepositoryIndex;
  readonly blobs: BlobIndex;
  readonly manifests: ManifestIndex;
  readonly conversions: ConversionIndex;
  readonly tags: TagIndex;
  readonly images: ImageIndex;
  readonly uploads: UploadIndex;
  readonly settings: SettingsIndex;
  readonly resourceTags: ResourceTagIndex;
  readonly accountSettings: AccountSettingIndex;
  readonly jobs: JobIndex;
  readonly identities: IdentityIndex;
  readonly policies: PolicyIndex;
  readonly roles: RoleIndex;
  readonly oidcProviders: OidcProviderIndex;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
