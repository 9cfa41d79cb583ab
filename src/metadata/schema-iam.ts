// The tables of identities and policies: accounts, users, access keys, roles, OIDC providers,
// and the identity, repository and registry policies (part of the Database of schema.ts).
export interface AccountsTable {
  id: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  account_id: string;
  name: string;
  kind: 'root' | 'user';
  arn: string;
  created_at: number;
}

export interface AccessKeysTable {
  id: string;
  user_id: string;
  /** Encrypted with the master key (keys/master-key.ts); never stored or logged in clear. */
  secret_ciphertext: string;
  status: 'Active' | 'Inactive';
  created_at: number;
  last_used_at: number | null;
  /** Where it was last used (the SigV4 service and region), with last_used_at. */
  last_used_service: string | null;
  last_used_region: string | null;
}

export interface RolesTable {
  id: string;
  account_id: string;
  name: string;
  path: string;
  arn: string;
  /** The trust policy (AssumeRolePolicyDocument), as given. */
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  created_at: number;
}

export interface OidcProvidersTable {
  arn: string;
  account_id: string;
  /** The issuer without its scheme (host and optional path), as IAM names the provider. */
  url: string;
  /** JSON array of the audiences (client ids) it accepts. */
  client_ids: string;
  /** JSON array of hex SHA-1 thumbprints of the issuer's certificates. */
  thumbprints: string;
  created_at: number;
}

export interface RepositoryPoliciesTable {
  repository_id: string;
  policy_text: string;
  updated_at: number;
}

export interface RegistryPoliciesTable {
  account_id: string;
  policy_text: string;
  updated_at: number;
}

export interface InlinePoliciesTable {
  owner_type: 'user' | 'role';
  owner_id: string;
  name: string;
  policy_text: string;
}

export interface ManagedPoliciesTable {
  arn: string;
  id: string;
  account_id: string;
  name: string;
  path: string;
  description: string | null;
  policy_text: string;
  created_at: number;
  updated_at: number;
}

export interface PolicyAttachmentsTable {
  owner_type: 'user' | 'role';
  owner_id: string;
  policy_arn: string;
}
