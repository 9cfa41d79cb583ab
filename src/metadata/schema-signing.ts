// Table types of managed signing (issue 25): ECR's signing configuration, images' signing
// statuses (the outbox of signings), and repositories whose pulls require a signature.

export interface SigningConfigurationsTable {
  account_id: string;
  /** JSON: SigningRule[]. */
  rules: string;
  updated_at: number;
}

export interface ImageSigningStatusesTable {
  repository_id: string;
  digest: string;
  signing_profile_arn: string;
  account_id: string;
  repository_name: string;
  key_arn: string;
  status: string;
  failure_code: string | null;
  failure_reason: string | null;
  signature_digest: string | null;
  updated_at: number;
}

export interface SignatureRequirementsTable {
  repository_id: string;
  account_id: string;
  /** JSON: string[]. */
  key_arns: string;
  updated_at: number;
}
