// The records of image scanning the metadata port returns: a registry's scanning configuration,
// one image's scan (its state, what it found, its findings), and the advisories imported.

export type ScanFrequency = 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN' | 'MANUAL';

export interface ScanningRule {
  scanFrequency: ScanFrequency;
  repositoryFilters: Array<{ filter: string; filterType: 'WILDCARD' }>;
}

export interface RegistryScanningConfiguration {
  scanType: 'BASIC' | 'ENHANCED';
  rules: ScanningRule[];
}

export type ScanState = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'UNSUPPORTED_IMAGE';

export interface ScanFinding {
  name: string;
  description?: string;
  uri: string;
  severity: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'UNDEFINED';
  attributes: Array<{ key: string; value: string }>;
}

export interface ImageScan {
  id: string;
  accountId: string;
  repositoryName: string;
  digest: string;
  status: ScanState;
  description: string | null;
  /** When the newest scan was asked for (StartImageScan's once a day counts from it). */
  requestedAt: number;
  completedAt: number | null;
  /** JSON: what the scan found (the SBOM's packages and OS), kept to evaluate again without the layers. */
  inventory: string | null;
  findings: ScanFinding[];
  /** When the advisories the findings come from were last imported. */
  advisoriesAt: number | null;
  sbomDigest: string | null;
}

export interface AdvisoryRow {
  id: string;
  ecosystem: string;
  packageName: string;
  modified: string;
  /** The OSV record as JSON. */
  record: string;
}
