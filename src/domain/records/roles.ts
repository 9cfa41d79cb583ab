// The records of the role and OIDC provider indexes (metadata/store-roles.ts).

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
