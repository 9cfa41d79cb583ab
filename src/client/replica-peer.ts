// The replica target of a peer deployment (another region): its registry protocol, signed in
// with the peer's access key (configured, or kept sealed in a Secrets Manager secret) through
// GetAuthorizationToken, as `aws ecr get-login-password`, trusting the peer's CA bundle for https.
// Blobs the peer has already are not sent again (HEAD); each is sent in chunks, and a transfer
// that broke off resumes at what the peer has. The peer's refusals (401/403) fail the replication
// at once; anything else (the peer down, a dropped connection) is tried again by the worker.
import { readFileSync } from 'node:fs';
import type { ReplicationTask } from '../domain/records/replication.js';
import { type BlobReader, type ReplicaTarget, ReplicationFailure } from '../domain/replication.js';
import { fetchAuthorization, LoginError } from './authorization.js';
import { RegistryClient, RegistryProblem } from './registry.js';

export interface PeerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface PeerSettings {
  region: string;
  endpoint: string;
  caBundle: string;
  /** The access key Berth signs in with at the peer: read when a replication starts (a sealed secret may change). */
  credentials(): Promise<PeerCredentials>;
}

/** A blob goes to a peer in chunks of this many bytes: what a broken-off transfer sends again at most. */
export const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;

/** Upload URLs of broken-off transfers, the newest `limit` of them (the peer expires the rest). */
export class UploadResumes {
  private readonly urls = new Map<string, string>();
  constructor(private readonly limit = 1000) {}

  get(key: string): string | undefined {
    return this.urls.get(key);
  }

  set(key: string, url: string): void {
    this.urls.delete(key);
    this.urls.set(key, url);
    if (this.urls.size > this.limit) this.urls.delete(this.urls.keys().next().value as string);
  }

  delete(key: string): void {
    this.urls.delete(key);
  }
}

export class PeerTarget implements ReplicaTarget {
  private client: RegistryClient | undefined;

  constructor(
    private readonly peer: PeerSettings,
    /** Upload URLs of transfers that broke off, by peer, repository and digest (shared by the targets of a worker). */
    private readonly uploads: UploadResumes = new UploadResumes(),
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  async prepare(_task: ReplicationTask): Promise<void> {
    const endpoint = this.peer.endpoint.replace(/\/$/, '');
    const credentials = await this.peer.credentials();
    const auth = await this.refused(() =>
      fetchAuthorization({
        endpoint,
        region: this.peer.region,
        credentials,
        ...(this.peer.caBundle && { caBundle: this.peer.caBundle }),
      }),
    );
    const registry = auth.ownRegistry && /^https?:\/\//.test(auth.proxyEndpoint) ? auth.proxyEndpoint : endpoint;
    this.client = new RegistryClient({
      registry,
      ...(this.peer.caBundle && { ca: [readFileSync(this.peer.caBundle)] }),
      authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
    });
  }

  private get registry(): RegistryClient {
    if (!this.client) throw new Error('the peer target is used before prepare');
    return this.client;
  }

  /** A refusal of the peer (its credentials, its policies) as a failure no retry mends. */
  private async refused<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const status = err instanceof RegistryProblem ? err.status : undefined;
      // The API's refusals of the key, as the login reports them (the exception's name first).
      const keyRefused =
        err instanceof LoginError &&
        /^(UnrecognizedClient|InvalidSignature|AccessDenied|InvalidClientTokenId)/.test(err.message);
      if (keyRefused || status === 401 || status === 403)
        throw new ReplicationFailure(
          'REPLICATION_ACCESS_DENIED',
          `the peer ${this.peer.region} refused: ${(err as Error).message}`,
        );
      throw err;
    }
  }

  hasBlob(repository: string, digest: string): Promise<boolean> {
    return this.refused(() => this.registry.hasBlob(repository, digest));
  }

  /**
   * In chunks of `chunkBytes`: a transfer that breaks off (the peer down, a dropped connection)
   * leaves its upload URL in `uploads`, and the next attempt at the blob continues from the bytes
   * the peer has of it instead of from the start.
   */
  async pushBlob(repository: string, digest: string, size: number, read: BlobReader): Promise<void> {
    const key = `${this.peer.region} ${repository} ${digest}`;
    const resume = this.uploads.get(key);
    await this.refused(() =>
      this.registry.pushBlobInChunks(repository, digest, size, read, {
        chunkBytes: this.chunkBytes,
        ...(resume && { resume }),
        onLocation: (location) => this.uploads.set(key, location),
      }),
    );
    this.uploads.delete(key);
  }

  putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    return this.refused(() => this.registry.putManifest(repository, reference, mediaType, bytes));
  }

  close(): void {
    this.client?.close();
  }
}
