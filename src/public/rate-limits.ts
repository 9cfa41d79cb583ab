// Pull rate limits of the public registry: manifest GETs, and blob GETs and HEADs apart (a pull
// reads several blobs per manifest), counted per source IP (anonymous) or per account (with
// credentials) in fixed windows. The counters are rows of the metadata store,
// so every node of a scale-out deployment counts against the same limit.
import { RegistryError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { MetadataStore } from '../metadata/store.js';

export interface RateLimits {
  windowSeconds: number;
  /** Per source IP and window without credentials; 0: unlimited. */
  anonymousPulls: number;
  /** Per account and window with credentials; 0: unlimited. */
  authenticatedPulls: number;
  /** Blob GETs and HEADs per source IP and window without credentials; 0: unlimited. */
  anonymousBlobReads: number;
  /** Blob GETs and HEADs per account and window with credentials; 0: unlimited. */
  authenticatedBlobReads: number;
}

export class PullRateLimiter {
  constructor(
    private readonly store: Pick<MetadataStore, 'rateWindows'>,
    private readonly limits: RateLimits,
  ) {}

  /** Counts a pull; TOOMANYREQUESTS with Retry-After (seconds to the next window) past the limit. */
  async pull(principal: Principal, sourceIp: string, now = Date.now()): Promise<void> {
    const anonymous = principal.kind === 'anonymous';
    await this.count(
      'pull',
      anonymous ? this.limits.anonymousPulls : this.limits.authenticatedPulls,
      principal,
      sourceIp,
      now,
    );
  }

  /** Counts a blob GET or HEAD, against limits of their own. */
  async blobRead(principal: Principal, sourceIp: string, now = Date.now()): Promise<void> {
    const anonymous = principal.kind === 'anonymous';
    await this.count(
      'blob',
      anonymous ? this.limits.anonymousBlobReads : this.limits.authenticatedBlobReads,
      principal,
      sourceIp,
      now,
    );
  }

  private async count(
    kind: 'pull' | 'blob',
    limit: number,
    principal: Principal,
    sourceIp: string,
    now: number,
  ): Promise<void> {
    if (limit === 0) return;
    const anonymous = principal.kind === 'anonymous';
    const windowMs = this.limits.windowSeconds * 1000;
    const windowStart = now - (now % windowMs);
    const key = principal.kind === 'anonymous' ? `${kind}:ip:${sourceIp}` : `${kind}:account:${principal.accountId}`;
    const count = await this.store.rateWindows.hit(key, windowStart);
    if (count <= limit) return;
    const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    const what = kind === 'pull' ? 'pull' : 'blob read';
    throw new RegistryError(
      'TOOMANYREQUESTS',
      `${what} rate limit of ${limit} per ${this.limits.windowSeconds} s reached${anonymous ? ` for anonymous ${what}s from this address: log in for a higher limit` : ''}`,
      undefined,
      { headers: { 'Retry-After': String(retryAfter) } },
    );
  }

  /** Forgets windows that ended (a job, once across nodes). */
  async prune(now = Date.now()): Promise<number> {
    return this.store.rateWindows.prune(now - this.limits.windowSeconds * 1000);
  }
}
