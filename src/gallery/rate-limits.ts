// Pull rate limits of the public registry: manifest GETs counted per source IP (anonymous) or
// per account (with credentials) in fixed windows. The counters are rows of the metadata store,
// so every node of a scale-out deployment counts against the same limit.
import { RegistryError } from '../domain/errors.js';
import type { Principal } from '../iam/authorizer.js';
import type { MetadataStore } from '../metadata/store.js';

export interface RateLimits {
  windowSeconds: number;
  /** Per source IP and window without credentials; 0: unlimited. */
  anonymousPulls: number;
  /** Per account and window with credentials; 0: unlimited. */
  authenticatedPulls: number;
}

export class PullRateLimiter {
  constructor(private readonly store: MetadataStore, private readonly limits: RateLimits) {}

  /** Counts a pull; TOOMANYREQUESTS with Retry-After (seconds to the next window) past the limit. */
  async pull(principal: Principal, sourceIp: string, now = Date.now()): Promise<void> {
    const anonymous = principal.kind === 'anonymous';
    const limit = anonymous ? this.limits.anonymousPulls : this.limits.authenticatedPulls;
    if (limit === 0) return;
    const windowMs = this.limits.windowSeconds * 1000;
    const windowStart = now - (now % windowMs);
    const key = principal.kind === 'anonymous' ? `pull:ip:${sourceIp}` : `pull:account:${principal.accountId}`;
    const count = await this.store.rateWindows.hit(key, windowStart);
    if (count <= limit) return;
    const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    throw new RegistryError('TOOMANYREQUESTS', `pull rate limit of ${limit} per ${this.limits.windowSeconds} s reached${anonymous ? ' for anonymous pulls from this address: log in for a higher limit' : ''}`, undefined, { headers: { 'Retry-After': String(retryAfter) } });
  }

  /** Forgets windows that ended (a job, once across nodes). */
  async prune(now = Date.now()): Promise<number> {
    return this.store.rateWindows.prune(now - this.limits.windowSeconds * 1000);
  }
}
