// The role and OIDC provider indexes of the metadata port: IAM roles with their trust policies,
// and the identity providers an account trusts. Adapter: kysely-roles.ts.
import type { OidcProvider, Role } from '../domain/records/roles.js';

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

export interface OidcProviderIndex {
  /** False (and nothing changes) when a provider with that ARN exists. */
  create(provider: OidcProvider): Promise<boolean>;
  get(arn: string): Promise<OidcProvider | undefined>;
  /** The account's providers in byte order of ARN. */
  list(accountId: string): Promise<OidcProvider[]>;
  delete(arn: string): Promise<boolean>;
}
