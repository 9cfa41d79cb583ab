// Table types of the services beside the registry (creation templates, replication, Secrets
// Manager); schema.ts gathers every table.

/** Repository creation templates (migration 0018): one per account and prefix (or ROOT). */
export interface RepositoryCreationTemplatesTable {
  account_id: string;
  prefix: string;
  description: string | null;
  encryption_type: string;
  kms_key: string | null;
  /** JSON: [{key, value}]. */
  resource_tags: string;
  image_tag_mutability: string;
  /** JSON: [{filterType, filter}], or null for none. */
  tag_mutability_exclusions: string | null;
  repository_policy: string | null;
  lifecycle_policy: string | null;
  /** JSON: the creation reasons it applies for. */
  applied_for: string;
  custom_role_arn: string | null;
  created_at: number;
  updated_at: number;
}

/** Secrets Manager's secrets (issue 22). */
export interface SecretsTable {
  id: string;
  account_id: string;
  name: string;
  arn: string;
  description: string | null;
  kms_key_arn: string | null;
  /** JSON [{key, value}]. */
  tags: string;
  policy: string | null;
  created_at: number;
  updated_at: number;
  accessed_at: number | null;
  deleted_at: number | null;
}

/** A secret's versions: the sealed value and its staging labels (JSON array). */
export interface SecretVersionsTable {
  secret_id: string;
  version_id: string;
  stages: string;
  sealed: string;
  created_at: number;
}

/** A registry's replication configuration (migration 0019). */
export interface ReplicationConfigurationsTable {
  account_id: string;
  /** JSON: the rules, as ECR's ReplicationRule list. */
  rules: string;
  updated_at: number;
}

/** The replication outbox (migration 0019): one image to one destination, leased by a worker. */
export interface ReplicationTasksTable {
  id: string;
  account_id: string;
  repository_name: string;
  digest: string;
  /** JSON: the tags the push put. */
  tags: string;
  dest_region: string;
  dest_registry_id: string;
  status: string;
  failure_code: string | null;
  attempts: number;
  next_attempt_at: number;
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
  /** Where the transfer of a blob to a peer broke off (migration 0033): the blob, the upload's URL there, its bytes. */
  resume_digest: string | null;
  resume_location: string | null;
  resume_offset: number | null;
}
