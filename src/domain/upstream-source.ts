// The pull-through cache's seam: the registry asks an UpstreamSource (pullthrough/, passed in by
// the app wiring) which upstream repository a repository name caches, and fetches from it;
// credentials come through UpstreamCredentials (Secrets Manager's secrets, wired in the app).

/** The user name and password (or token) of a pull-through cache secret. */
export interface UpstreamCredential {
  username: string;
  password: string;
}

/** Reads the credentials of a rule's secret (`ecr-pullthroughcache/...`); throws PullThroughError. */
export interface UpstreamCredentials {
  read(accountId: string, credentialArn: string): Promise<UpstreamCredential>;
}

/** A registry login that expires (ECR's GetAuthorizationToken password). */
export interface ExpiringCredential extends UpstreamCredential {
  /** Epoch ms; the login is asked for again a few minutes before. */
  expiresAt: number;
}

/** What an `ecr` upstream's login needs from its rule. */
export interface EcrLoginRequest {
  /** The account of the rule (the cache's registry). */
  accountId: string;
  /** The rule's customRoleArn: the role Berth assumes to reach the upstream. */
  roleArn: string;
  /** The rule's secret, when the role is in another deployment: the access key that may assume it there. */
  credentialArn?: string;
  /** The upstream's origin (its ECR API and /v2 are on the same host). */
  origin: string;
  /** The upstream's region (from `<account>.dkr.ecr.<region>.amazonaws.com`), else this deployment's. */
  region?: string;
}

/**
 * ECR's own login to an `ecr` upstream through a rule's customRoleArn: the role is assumed (in
 * this deployment as the pull-through service, or at the upstream deployment with the rule's
 * secret), then GetAuthorizationToken gives the registry password. Throws UpstreamError.
 */
export interface EcrUpstreamLogin {
  login(request: EcrLoginRequest): Promise<ExpiringCredential>;
}

export interface UpstreamManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface UpstreamBlob {
  size: number;
  /** The bytes as they arrive; breaking off the iteration closes the connection. */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * The upstream did not give what was asked: `status` is its answer (404, 401, 429, …), absent when
 * it could not be reached or did not answer in time.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** The upstream is down, slow or limiting: cached content is served instead. */
  get unavailable(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
}

/** One repository of an upstream registry, as a rule maps a cached repository to it. */
export interface UpstreamRepository {
  /** The rule's prefix (ROOT for the default mirror). */
  readonly rulePrefix: string;
  /** Where it is, for messages and logs: `registry-1.docker.io/library/alpine`. */
  readonly location: string;
  manifest(reference: string): Promise<UpstreamManifest>;
  blob(digest: string): Promise<UpstreamBlob>;
  /** The digests of the manifests that name `digest` as their subject (none when the upstream has no referrers API). */
  referrers(digest: string): Promise<string[]>;
}

export interface UpstreamSource {
  /** The upstream repository the account's rules map `name` to; undefined when no rule applies. */
  resolve(accountId: string, name: string): Promise<UpstreamRepository | undefined>;
}
