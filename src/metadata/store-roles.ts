// The role and OIDC provider indexes of the metadata port: IAM roles with their trust policies,
// and the identity providers an account trusts. Adapter: kysely-roles.ts.

export interface Role {
  /** AROA… */
  id: string;
  accountId: string;
  name: string;
  path: string;
  arn: string;
  /** The trust policy document, as given. */
  trustPolicy: string;
  description: string | null;
  /** Seconds, 3600 to 43200. */
  maxSessionDuration: number;
  createdAt: number;
}

/** IAM roles with their trust policies. */
export interface RoleIndex {
  /** False (and nothing changes) when the account already has a role of that name. */
  create(role: Role): Promise<boolean>;
  get(accountId: string, name: string): Promise<Role | undefined>;
  /** The account's roles in byte order of name. */
  list(accountId: string): Promise<Role[]>;
  /** Replaces the trust policy; false when there is no such role. */
  setTrustPolicy(accountId: string, name: string, trustPolicy: string): Promise<boolean>;
  delete(accountId: string, name: string): Promise<boolean>;
}

/** An OpenID Connect identity provider an account trusts (AssumeRoleWithWebIdentity). */
export interface OidcProvider {
  /** arn:aws:iam::ACCOUNT:oidc-provider/URL */
  arn: string;
  accountId: string;
  /** The issuer URL without https:// (host and optional path). */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createdAt: number;
}

export interface OidcProviderIndex {
  /** False (and nothing changes) when a provider with that ARN exists. */
  create(provider: OidcProvider): Promise<boolean>;
  get(arn: string): Promise<OidcProvider | undefined>;
  /** The account's providers in byte order of ARN. */
  list(accountId: string): Promise<OidcProvider[]>;
  delete(arn: string): Promise<boolean>;
}
