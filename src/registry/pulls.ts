// Records when images are pulled (ECR's lastRecordedPullTime) cheaply: each node writes an
// image's pull time at most once per PULL_RECORD_INTERVAL_MS, never on every GET. Pulls by a
// principal the registry excludes from pull time updates are not recorded at all; pulls by a
// runtime principal (lifecycle.runtimePrincipals) are also recorded per principal, as seldom.
import type { ImageIndex, LifecycleIndex } from '../metadata/store.js';

export const PULL_RECORD_INTERVAL_MS = 5 * 60 * 1000;
const CAPACITY = 10_000;

/** Who pulled: the registry's account and the caller's identity ARN (a role session's role). */
export interface PullCaller {
  accountId: string;
  principalArn?: string;
}

/** What decides about a caller's pulls: exclusions, and which principals are runtime principals. */
export interface PullPrincipals {
  lifecycle: Pick<LifecycleIndex, 'recordPrincipalPull'>;
  excludes(accountId: string, principalArn: string): Promise<boolean>;
  isRuntime(principalArn: string): boolean;
}

export class PullRecorder {
  /** When this node last wrote each pull time, by repository id and digest (and principal). */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly images: Pick<ImageIndex, 'recordPull'>,
    private readonly intervalMs = PULL_RECORD_INTERVAL_MS,
    private readonly principals?: PullPrincipals,
  ) {}

  /** Notes a pull; writes it when this node has not written one for the image recently. Never throws. */
  async record(repositoryId: string, digest: string, now = Date.now(), caller?: PullCaller): Promise<void> {
    const arn = caller?.principalArn;
    if (arn !== undefined && this.principals) {
      try {
        if (await this.principals.excludes(caller!.accountId, arn)) return;
      } catch {
        // The exclusions could not be read: the pull is recorded as any other.
      }
      if (this.principals.isRuntime(arn)) {
        const lifecycle = this.principals.lifecycle;
        const key = `${repositoryId}@${digest}@${arn}`;
        if (this.due(key, now))
          await this.write(key, () => lifecycle.recordPrincipalPull(repositoryId, digest, arn, now));
      }
    }
    // Checked before any closure or promise is made: nearly every pull finds its time written.
    const key = `${repositoryId}@${digest}`;
    if (this.due(key, now)) await this.write(key, () => this.images.recordPull(repositoryId, digest, now));
  }

  /** Whether this node has not written `key`'s pull time recently; if so, it is written now. */
  private due(key: string, now: number): boolean {
    const last = this.written.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.written.delete(key);
    this.written.set(key, now);
    if (this.written.size > CAPACITY) this.written.delete(this.written.keys().next().value!);
    return true;
  }

  private async write(key: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch {
      // A pull must not fail because its time could not be recorded; the next interval retries.
      this.written.delete(key);
    }
  }
}
