// Table types of the pull-through cache (migrations 0022 and 0031); schema.ts gathers every table.

/** ECR's pull-through cache rules: one per account and repository prefix (or ROOT). */
export interface PullThroughRulesTable {
  account_id: string;
  prefix: string;
  upstream_registry_url: string;
  /** Null: any OCI registry (not one of ECR's kinds). */
  upstream_registry: string | null;
  credential_arn: string | null;
  custom_role_arn: string | null;
  upstream_repository_prefix: string;
  created_at: number;
  updated_at: number;
}

/** When a cached tag was last checked upstream (at most once per refresh interval); deleted with its repository. */
export interface PullThroughTagChecksTable {
  repository_id: string;
  tag: string;
  checked_at: number;
}

/** A node's lease on fetching one upstream blob (single flight across nodes). */
export interface PullThroughFetchesTable {
  fetch_key: string;
  holder: string;
  until: number;
}
