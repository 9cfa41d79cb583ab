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
