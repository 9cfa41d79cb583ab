// The replica target of a peer deployment (another region): its registry protocol, signed in
// with the peer's access key (configured, or kept sealed in a Secrets Manager secret) (GetAuthorizationToken, as `aws ecr get-login-password`),
// trusting the peer's CA bundle for https. Blobs the peer has already are not sent again (HEAD);
// each is sent in one streamed PUT. The peer's refusals (401/403) fail the replication at once,
// anything else (the peer down, a dropped connection) is tried again by the worker.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReplicationTask } from '../domain/records/replication.js';
import { type ReplicaTarget, ReplicationFailure } from '../domain/replication.js';
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

export class PeerTarget implements ReplicaTarget {
  private client: RegistryClient | undefined;

  constructor(private readonly peer: PeerSettings) {}

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

  pushBlob(repository: string, digest: string, size: number, body: AsyncIterable<Uint8Array>): Promise<void> {
    return this.refused(() => this.registry.pushBlob(repository, digest, size, Readable.from(body)));
  }

  putManifest(repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
    return this.refused(() => this.registry.putManifest(repository, reference, mediaType, bytes));
  }

  close(): void {
    this.client?.close();
  }
}
