// Table types of image scanning (migration 0027): configurations, scans, advisories.

/** A registry's scanning configuration (PutRegistryScanningConfiguration). */
export interface ScanningConfigurationsTable {
  account_id: string;
  /** JSON: { scanType, rules }. */
  configuration: string;
  updated_at: number;
}

/** One image's scan: asked for, leased by a worker, finished with what it found. */
export interface ImageScansTable {
  id: string;
  account_id: string;
  repository_name: string;
  digest: string;
  status: string;
  description: string | null;
  requested_at: number;
  completed_at: number | null;
  /** JSON: the packages and OS found (what the SBOM lists), to evaluate again. */
  inventory: string | null;
  /** JSON: the findings. */
  findings: string;
  advisories_at: number | null;
  sbom_digest: string | null;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
}

/** An OSV advisory, one row per package it names. */
export interface ScanAdvisoriesTable {
  id: string;
  ecosystem: string;
  package_name: string;
  modified: string;
  record: string;
  imported_at: number;
}
