// When each access key was last used, and for what (service, region): noted in memory on every
// signed request and written in batches every few seconds and at shutdown, never a database
// write per request. Each node writes its own latest uses; the store keeps the latest of all
// (recordAccessKeyUses is idempotent), so nodes need no coordination.
import type { AccessKeyUse } from '../domain/records/identities.js';
import type { MetadataStore } from '../metadata/store.js';

export const KEY_USAGE_FLUSH_MS = 5_000;

export class KeyUsageRecorder {
  private pending = new Map<string, AccessKeyUse>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<MetadataStore, 'identities'>,
    private readonly options: { flushMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  /** Notes a use of a long-term key (AKIA…); the latest use of each key is kept until the next flush. */
  record(id: string, service: string, region: string, at = Date.now()): void {
    const known = this.pending.get(id);
    if (known && known.at >= at) return;
    this.pending.set(id, { id, at, service, region });
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch((err) => this.options.onError?.(err));
      }, this.options.flushMs ?? KEY_USAGE_FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what was noted since the last flush (one flush at a time; a failed batch is kept for the next). */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.store.identities.recordAccessKeyUses(batch);
      } catch (err) {
        for (const use of batch) {
          const newer = this.pending.get(use.id);
          if (!newer || newer.at < use.at) this.pending.set(use.id, use);
        }
        throw err;
      }
    });
    this.flushing = run.catch(() => {});
    return run;
  }

  /** At shutdown: stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
