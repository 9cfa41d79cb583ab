// The replica target of a peer deployment (another region): its registry protocol, signed in
// with the peer's access key (configured, or kept sealed in a Secrets Manager secret) through
// GetAuthorizationToken, as `aws ecr get-login-password`, trusting the peer's CA bundle for https.
// Every request says it is a replication (the Berth-Replication header: the destination registry
// and this region), which the peer authorizes as ecr:ReplicateImage of the key's account and for
// which it creates repositories with its REPLICATION template. Blobs the peer has already are not
// sent again (HEAD), blobs it has in another repository are mounted; the rest go in chunks, and a
// transfer that broke off resumes at what the peer has. The peer's refusals (401/403) fail the replication
// at once; anything else (the peer down, a dropped connection) is tried again by the worker.
import { readFileSync } from 'node:fs';
import type { ReplicationTask } from '../domain/records/replication.js';
import {
  type BlobReader,
  type BlobResume,
  type ReplicaTarget,
  ReplicationFailure,
  type ResumePoints,
} from '../domain/replication.js';
import { formatReplicationHeader, REPLICATION_HEADER } from '../domain/replication-header.js';
import { type Authorization, fetchAuthorization, LoginError } from './authorization.js';
import { RegistryClient, RegistryProblem } from './registry.js';

export interface PeerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface PeerSettings {
  region: string;
  endpoint: string;
  caBundle: string;
  /** This deployment's region: the peer is told the replicas come from it. */
  sourceRegion: string;
  /** The access key Berth signs in with at the peer: read when a replication starts (a sealed secret may change). */
  credentials(): Promise<PeerCredentials>;
}

/** A blob goes to a peer in chunks of this many bytes: what a broken-off transfer sends again at most. */
export const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;

/** Resume points kept in memory (tests; a worker keeps them in the task's row, app/replication.ts). */
export class UploadResumes implements ResumePoints {
  private readonly points = new Map<string, BlobResume>();

  get(digest: string): BlobResume | undefined {
    return this.points.get(digest);
  }

  async set(resume: BlobResume): Promise<void> {
    this.points.set(resume.digest, resume);
  }

  async clear(digest: string): Promise<void> {
    this.points.delete(digest);
  }
}

/**
 * Registry passwords from the peers, reused for a few minutes (well within their 12 hours) so that
 * a node replicating many images does not sign in (GetAuthorizationToken) once per image.
 */
export class PeerLogins {
  private readonly logins = new Map<string, { auth: Authorization; until: number }>();
  constructor(private readonly reuseMs = 5 * 60 * 1000) {}

  async get(key: string, login: () => Promise<Authorization>): Promise<Authorization> {
    const now = Date.now();
    const kept = this.logins.get(key);
    if (kept && kept.until > now) return kept.auth;
    const auth = await login();
    const expires = auth.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    this.logins.set(key, { auth, until: Math.min(now + this.reuseMs, expires - 60_000) });
    return auth;
  }

  forget(key: string): void {
    this.logins.delete(key);
  }
}

export class PeerTarget implements ReplicaTarget {
  private client: RegistryClient | undefined;
  private registryId = '';
  private loginKey = '';

  constructor(
    private readonly peer: PeerSettings,
    /** Where this replication's transfers broke off (the task's row keeps them across restarts). */
    private readonly resumes: ResumePoints = new UploadResumes(),
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
    private readonly logins = new PeerLogins(0),
  ) {}

  /**
   * Signs in at the peer; every request after says it is this task's replication into the
   * destination registry (the peer authorizes it as ecr:ReplicateImage of the key's account).
   */
  async prepare(task: ReplicationTask): Promise<void> {
    this.registryId = task.destination.registryId;
    const endpoint = this.peer.endpoint.replace(/\/$/, '');
    const credentials = await this.peer.credentials();
    this.loginKey = `${endpoint} ${credentials.accessKeyId} ${credentials.secretAccessKey}`;
    const auth = await this.refused(() =>
      this.logins.get(this.loginKey, () =>
        fetchAuthorization({
          endpoint,
          region: this.peer.region,
          credentials,
          ...(this.peer.caBundle && { caBundle: this.peer.caBundle }),
        }),
      ),
    );
    const registry = auth.ownRegistry && /^https?:\/\//.test(auth.proxyEndpoint) ? auth.proxyEndpoint : endpoint;
    this.client = new RegistryClient({
      registry,
      ...(this.peer.caBundle && { ca: [readFileSync(this.peer.caBundle)] }),
      authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      headers: {
        [REPLICATION_HEADER]: formatReplicationHeader({
          registryId: task.destination.registryId,
          sourceRegion: this.peer.sourceRegion,
        }),
      },
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
      // A password the peer no longer takes is not used again.
      if (status === 401) this.logins.forget(this.loginKey);
      // The API's refusals of the key, as the login reports them (the exception's name first).
      const keyRefused =
        err instanceof LoginError &&
        /^(UnrecognizedClient|InvalidSignature|AccessDenied|InvalidClientTokenId)/.test(err.message);
      if (keyRefused || status === 401)
        throw new ReplicationFailure(
          'REPLICATION_ACCESS_DENIED',
          `the peer ${this.peer.region} refused: ${(err as Error).message}`,
        );
      // A HEAD's refusal has no body to say why: name what the peer asks of a replication.
      if (status === 403)
        throw new ReplicationFailure(
          'REPLICATION_ACCESS_DENIED',
          `the peer ${this.peer.region} refused: ${(err as Error).message} (a replication into registry ${this.registryId} there needs ecr:ReplicateImage and ecr:CreateRepository, granted to the peer key's account by that registry's policy)`,
        );
      throw err;
    }
  }

  hasBlob(repository: string, digest: string): Promise<boolean> {
    return this.refused(() => this.registry.hasBlob(repository, digest));
  }

  /**
   * A blob the destination has in another repository is mounted, never sent. Else in chunks of
   * `chunkBytes`: a transfer that breaks off (the peer down, a dropped connection, this node
   * killed) leaves its upload URL and offset in the resume points, and the next attempt at the
   * blob continues from the bytes the peer has of it instead of from the start.
   */
  async pushBlob(repository: string, digest: string, size: number, read: BlobReader): Promise<void> {
    const resume = this.resumes.get(digest);
    const mounted = resume ? undefined : await this.refused(() => this.registry.mountBlob(repository, digest));
    if (mounted === 'mounted') return;
    await this.refused(() =>
      this.registry.pushBlobInChunks(repository, digest, size, read, {
        chunkBytes: this.chunkBytes,
        ...(resume && { resume: resume.location }),
        ...(mounted && { upload: mounted.upload }),
        onLocation: (location, offset) => this.resumes.set({ digest, location, offset } satisfies BlobResume),
      }),
    );
    await this.resumes.clear(digest);
  }

  putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    return this.refused(() => this.registry.putManifest(repository, reference, mediaType, bytes));
  }

  close(): void {
    this.client?.close();
  }
}
