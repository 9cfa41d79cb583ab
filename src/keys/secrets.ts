// The secrets every node of a deployment shares: each made once, by whichever node starts first,
// and kept in the database settings sealed by the master key (keys/shared-secret.ts), under
// `setting`, its sealing bound to `context`. Both names are stored in every deployment's database:
// never rename one. A master key rotation re-seals every secret listed here.

export interface NamedSecret {
  /** The settings key the sealed secret is stored under. */
  readonly setting: string;
  /** The context its sealing by the master key is bound to. */
  readonly context: string;
}

export const SECRETS = {
  /** Signs registry passwords, the `docker login` password GetAuthorizationToken returns (iam/tokens.ts). */
  registryPasswords: { setting: 'registry_token_key', context: 'registry-token-signing-key' },
  /** Signs layer download URLs, GetDownloadUrlForLayer's tokens (registry/layer-urls.ts). */
  layerUrls: { setting: 'layer_url_key', context: 'layer-url-signing-key' },
  /** Signs the public registry's bearer tokens, from its token endpoint (iam/registry-tokens.ts). */
  publicBearerTokens: { setting: 'public_token_key', context: 'public-registry-token-signing-key' },
  /** The RSA key that signs the schema 1 manifests converted for old engines (keys/manifest-signing-key.ts). */
  schema1Manifests: { setting: 'schema1_signing_key', context: 'schema1-signing-key' },
  /** Seals temporary credentials' session tokens and derives their secrets (iam/sessions.ts). */
  sessionTokens: { setting: 'session_token_key', context: 'session-token-key' },
  /** Signs the AWS faces' paging tokens, nextToken and Marker (http/aws-page-tokens.ts). */
  pageTokens: { setting: 'page_token_key', context: 'page-token-signing-key' },
} as const satisfies Record<string, NamedSecret>;

/** Every named secret, in the order a master key rotation re-seals them. */
export const ALL_SECRETS: readonly NamedSecret[] = Object.values(SECRETS);
