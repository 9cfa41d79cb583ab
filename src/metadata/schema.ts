// Table types for the query builder; the same tables on every backend (migrations.ts makes them).

export interface RepositoriesTable {
  id: string;
  account_id: string;
  name: string;
  created_at: number;
}

export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
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

export interface Database {
  jobs: JobsTable;
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_references: ManifestReferencesTable;
  tags: TagsTable;
  uploads: UploadsTable;
  settings: SettingsTable;
}
