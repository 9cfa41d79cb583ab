// Records when images are pulled (ECR's lastRecordedPullTime) cheaply: each node writes an
// image's pull time at most once per PULL_RECORD_INTERVAL_MS, never on every GET.
import type { ImageIndex } from '../metadata/store.js';

export const PULL_RECORD_INTERVAL_MS = 5 * 60 * 1000;
const CAPACITY = 10_000;

export class PullRecorder {
  /** When this node last wrote each image's pull time, by repository id and digest. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly images: Pick<ImageIndex, 'recordPull'>,
    private readonly intervalMs = PULL_RECORD_INTERVAL_MS,
  ) {}

  /** Notes a pull; writes it when this node has not written one for the image recently. Never throws. */
  async record(repositoryId: string, digest: string, now = Date.now()): Promise<void> {
    const key = `${repositoryId}@${digest}`;
    const last = this.written.get(key);
    if (last !== undefined && now - last < this.intervalMs) return;
    this.written.delete(key);
    this.written.set(key, now);
    if (this.written.size > CAPACITY) this.written.delete(this.written.keys().next().value!);
    try {
      await this.images.recordPull(repositoryId, digest, now);
    } catch {
      // A pull must not fail because its time could not be recorded; the next interval retries.
      this.written.delete(key);
    }
  }
}
