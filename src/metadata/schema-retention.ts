// Table types of what keeps storage in order (garbage collection, storage-class moves, deletion
// protection, the trash, lifecycle policies and pull times); schema.ts gathers every table.
import type { Generated } from 'kysely';

/** Digests whose stored bytes a garbage collection is deleting: no push may reference one meanwhile. */
export interface GcDeletionsTable {
  digest: string;
  started_at: number;
}

/** What garbage collections freed, in total, by kind (blobs, manifests, uploads, …). */
export interface GcStatsTable {
  kind: string;
  objects: number;
  bytes: number;
  updated_at: number;
}

/** Moves of an image's layers between storage classes, queued with their progress (0016). */
export interface ImageStorageMovesTable {
  repository_id: string;
  digest: string;
  /** STANDARD or ARCHIVE. */
  target: string;
  requested_at: number;
  lease_holder: string | null;
  lease_until: number | null;
  blobs_total: Generated<number>;
  blobs_done: Generated<number>;
  bytes_total: Generated<number>;
  bytes_done: Generated<number>;
}

export interface DeletionProtectionsTable {
  repository_id: string;
  /** '' for the whole repository. */
  tag_pattern: string;
  created_at: number;
  created_by: string | null;
}

export interface TrashTable {
  repository_id: string;
  digest: string;
  media_type: string;
  size: number;
  artifact_type: string | null;
  subject_digest: string | null;
  annotations: string | null;
  created_at: number;
  last_pulled_at: number | null;
  content_digest: string | null;
  image_status: string | null;
  last_archived_at: number | null;
  last_activated_at: number | null;
  /** JSON array of the tags at deletion. */
  tags: string;
  deleted_by: string;
  deleted_at: number;
}

export interface TrashReferencesTable {
  repository_id: string;
  manifest_digest: string;
  child_digest: string;
}

/** A repository's lifecycle policy (ECR's PutLifecyclePolicy). */
export interface LifecyclePoliciesTable {
  repository_id: string;
  policy_text: string;
  updated_at: number;
  last_evaluated_at: number | null;
}

/** A repository's latest lifecycle policy preview; results is its plan as JSON once COMPLETE. */
export interface LifecyclePreviewsTable {
  repository_id: string;
  policy_text: string;
  status: string;
  started_at: number;
  results: string | null;
}

/** What lifecycle did to an image (kept after the repository is gone). */
export interface LifecycleActionsTable {
  id: string;
  at: number;
  repository_id: string;
  repository_name: string;
  digest: string;
  /** JSON array of the tags the image had. */
  tags: string;
  rule_priority: number;
  action: string;
  actor: string;
}

/** Principals whose pulls do not update an image's last recorded pull time. */
export interface PullTimeExclusionsTable {
  account_id: string;
  principal_arn: string;
  created_at: number;
}

/** When a runtime principal (lifecycle.runtimePrincipals) last pulled an image. */
export interface PrincipalPullsTable {
  repository_id: string;
  digest: string;
  principal_arn: string;
  last_pulled_at: number;
}
