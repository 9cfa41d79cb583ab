// Table types for the query builder; the same tables on every backend (migrations/ makes them).
import type { Generated } from 'kysely';
import type {
  DeletionProtectionsTable,
  GcDeletionsTable,
  GcStatsTable,
  ImageStorageMovesTable,
  LifecycleActionsTable,
  LifecyclePoliciesTable,
  LifecyclePreviewsTable,
  PrincipalPullsTable,
  PullTimeExclusionsTable,
  TrashReferencesTable,
  TrashTable,
} from './schema-retention.js';
import type { AuditTrailTable, RepositoryMetricCountsTable } from './schema-audit.js';
import type {
  ReplicationConfigurationsTable,
  ReplicationTasksTable,
  RepositoryCreationTemplatesTable,
  SecretVersionsTable,
  SecretsTable,
} from './schema-services.js';
import type { ReplicationTaskTagsTable } from './schema-replication.js';
import type { EventDeliveriesTable, EventRulesTable, EventTargetsTable } from './schema-events.js';
import type {
  ConsoleSessionsTable,
  LoginProfilesTable,
  PasswordPoliciesTable,
  SignInFailuresTable,
} from './schema-console.js';
import type {
  PullThroughFetchesTable,
  PullThroughRulesTable,
  PullThroughTagChecksTable,
} from './schema-pull-through.js';
import type { MeteringStorageTable, MeteringTransferTable } from './schema-metering.js';
import type {
  ImageSigningStatusesTable,
  SignatureRequirementsTable,
  SigningConfigurationsTable,
} from './schema-signing.js';
import type { ImageScansTable, ScanAdvisoriesTable, ScanningConfigurationsTable } from './schema-scanning.js';

import type {
  AccessKeysTable,
  AccountsTable,
  InlinePoliciesTable,
  ManagedPoliciesTable,
  OidcProvidersTable,
  PolicyAttachmentsTable,
  RegistryPoliciesTable,
  RepositoryPoliciesTable,
  RolesTable,
  UsersTable,
} from './schema-iam.js';
import type {
  BlobKeysTable,
  KmsAliasesTable,
  KmsGrantsTable,
  KmsKeyMaterialTable,
  KmsKeysTable,
} from './schema-kms.js';

export type * from './schema-iam.js';
export type * from './schema-kms.js';
export type * from './schema-console.js';
export type * from './schema-audit.js';
export type * from './schema-retention.js';
export type * from './schema-events.js';
export type * from './schema-pull-through.js';
export type * from './schema-metering.js';
export type * from './schema-signing.js';
export type * from './schema-services.js';
export type * from './schema-replication.js';
export type * from './schema-scanning.js';

export interface RepositoriesTable {
  id: string;
  account_id: string;
  name: string;
  created_at: number;
  image_tag_mutability: Generated<string>;
  /** JSON array of {filterType, filter}. */
  tag_mutability_exclusions: string | null;
  scan_on_push: Generated<number>;
  encryption_type: Generated<string>;
  kms_key: string | null;
}

export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
  /** When the blob was last uploaded, mounted or checked (touched at most every few minutes); null: created_at. */
  last_seen_at: number | null;
}

export interface RepositoryBlobsTable {
  repository_id: string;
  digest: string;
  created_at: number;
}

export interface ManifestsTable {
  repository_id: string;
  digest: string;
  media_type: string;
  size: number;
  artifact_type: string | null;
  subject_digest: string | null;
  annotations: string | null;
  created_at: number;
  last_pulled_at: Generated<number | null>;
  content_digest: string | null;
  /** ECR's imageStatus: ARCHIVED or ACTIVATING; null (or ACTIVE) is ACTIVE. */
  image_status: Generated<string | null>;
  last_archived_at: Generated<number | null>;
  last_activated_at: Generated<number | null>;
}

export interface ManifestConversionsTable {
  repository_id: string;
  source_digest: string;
  variant: string;
  digest: string;
  media_type: string;
  size: number;
  content_digest: string | null;
  created_at: number;
}

export interface ManifestReferencesTable {
  repository_id: string;
  manifest_digest: string;
  child_digest: string;
}

export interface TagsTable {
  repository_id: string;
  name: string;
  manifest_digest: string;
  updated_at: number;
}

export interface UploadsTable {
  id: string;
  repository_id: string;
  created_at: number;
  updated_at: number;
  verified_digest: string | null;
  /** The upload's data key, wrapped (JSON of store.ts WrappedKey); null on uploads older than encryption. */
  data_key: string | null;
  /** Who may write the upload's bytes now (one request on one node), and until when. */
  lease_holder: string | null;
  lease_until: number | null;
  /** Where the latest ECR layer part began (UploadLayerPart). */
  last_part_start: number | null;
  /** The size of the first ECR layer part found too small while not the last. */
  short_part: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface JobsTable {
  name: string;
  next_run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_run_at: number | null;
  last_error: string | null;
}

export interface ResourceTagsTable {
  resource_arn: string;
  key: string;
  value: string;
}

export interface AccountSettingsTable {
  account_id: string;
  name: string;
  value: string;
}

/** Public repositories' catalog data (ECR Public), one row per repository that has any. */
export interface PublicRepositoriesTable {
  repository_id: string;
  account_id: string;
  description: string | null;
  about_text: string | null;
  usage_text: string | null;
  /** JSON arrays of strings. */
  architectures: string;
  operating_systems: string;
  logo_media_type: string | null;
  /** base64 of the logo image. */
  logo: string | null;
  /** Unused: public repositories' policies are repository_policies rows, like private ones'. */
  policy_text: string | null;
  updated_at: number;
}

/** An account's public registry, made with its default alias on its first public repository. */
export interface PublicRegistriesTable {
  account_id: string;
  display_name: string;
  created_at: number;
}

export interface RegistryAliasesTable {
  name: string;
  account_id: string;
  status: 'ACTIVE' | 'PENDING' | 'REJECTED';
  is_default: number;
  is_primary: number;
  created_at: number;
}

/** Request counters per key and fixed window, shared by every node (rate limits). */
export interface RateWindowsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface Database {
  pull_through_rules: PullThroughRulesTable;
  pull_through_tag_checks: PullThroughTagChecksTable;
  pull_through_fetches: PullThroughFetchesTable;
  metering_transfer: MeteringTransferTable;
  metering_storage: MeteringStorageTable;
  signing_configurations: SigningConfigurationsTable;
  image_signing_statuses: ImageSigningStatusesTable;
  signature_requirements: SignatureRequirementsTable;
  audit_trail: AuditTrailTable;
  repository_metric_counts: RepositoryMetricCountsTable;
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  deletion_protections: DeletionProtectionsTable;
  trash: TrashTable;
  trash_references: TrashReferencesTable;
  lifecycle_policies: LifecyclePoliciesTable;
  lifecycle_previews: LifecyclePreviewsTable;
  lifecycle_actions: LifecycleActionsTable;
  pull_time_exclusions: PullTimeExclusionsTable;
  principal_pulls: PrincipalPullsTable;
  repository_policies: RepositoryPoliciesTable;
  registry_policies: RegistryPoliciesTable;
  repository_creation_templates: RepositoryCreationTemplatesTable;
  inline_policies: InlinePoliciesTable;
  managed_policies: ManagedPoliciesTable;
  policy_attachments: PolicyAttachmentsTable;
  public_repositories: PublicRepositoriesTable;
  public_registries: PublicRegistriesTable;
  registry_aliases: RegistryAliasesTable;
  rate_windows: RateWindowsTable;
  blob_keys: BlobKeysTable;
  kms_keys: KmsKeysTable;
  kms_key_material: KmsKeyMaterialTable;
  kms_aliases: KmsAliasesTable;
  kms_grants: KmsGrantsTable;
  accounts: AccountsTable;
  users: UsersTable;
  access_keys: AccessKeysTable;
  roles: RolesTable;
  oidc_providers: OidcProvidersTable;
  resource_tags: ResourceTagsTable;
  account_settings: AccountSettingsTable;
  jobs: JobsTable;
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  gc_deletions: GcDeletionsTable;
  gc_stats: GcStatsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  image_storage_moves: ImageStorageMovesTable;
  manifest_references: ManifestReferencesTable;
  manifest_conversions: ManifestConversionsTable;
  tags: TagsTable;
  uploads: UploadsTable;
  settings: SettingsTable;
  replication_configurations: ReplicationConfigurationsTable;
  replication_tasks: ReplicationTasksTable;
  replication_task_tags: ReplicationTaskTagsTable;
  event_rules: EventRulesTable;
  event_targets: EventTargetsTable;
  event_deliveries: EventDeliveriesTable;
  login_profiles: LoginProfilesTable;
  password_policies: PasswordPoliciesTable;
  console_sessions: ConsoleSessionsTable;
  sign_in_failures: SignInFailuresTable;
  scanning_configurations: ScanningConfigurationsTable;
  image_scans: ImageScansTable;
  scan_advisories: ScanAdvisoriesTable;
}
