// The tables of keys: the key service's keys, their material, aliases and grants, and the wraps
// of blobs' data keys (part of the Database of schema.ts).
export interface BlobKeysTable {
  digest: string;
  data_key_id: string;
  /** 'master' or a KMS key ARN. */
  wrapping_key: string;
  wrapped: string;
  created_at: number;
}

export interface KmsKeysTable {
  id: string;
  account_id: string;
  arn: string;
  description: string;
  key_state: string;
  key_usage: string;
  key_spec: string;
  created_at: number;
  deletion_date: number | null;
  pending_window_days: number | null;
  rotation_enabled: number;
  rotation_period_days: number | null;
  policy: string;
}

export interface KmsKeyMaterialTable {
  key_id: string;
  version: number;
  /** The key material, encrypted with the master key. */
  sealed: string;
  created_at: number;
}

export interface KmsAliasesTable {
  account_id: string;
  name: string;
  key_id: string;
  created_at: number;
  updated_at: number;
}

export interface KmsGrantsTable {
  id: string;
  key_id: string;
  name: string | null;
  grantee_principal: string;
  retiring_principal: string | null;
  issuing_account: string;
  /** JSON array of operation names. */
  operations: string;
  /** JSON of the constraints, or null. */
  grant_constraints: string | null;
  token: string;
  created_at: number;
}
