// Notes that blobs were seen (checked by HEAD, read, named by a manifest push) so that garbage
// collection keeps them through its grace period: a client that saw a blob is about to push a
// manifest naming it. Cheap: each node writes a blob's sighting at most once per interval, and
// the database only when the stored one is older than that (registry/gc.ts).
import type { GcIndex } from '../metadata/store.js';

export const SIGHTING_INTERVAL_MS = 5 * 60 * 1000;
const CAPACITY = 10_000;

export class BlobSightings {
  /** When this node last wrote each blob's sighting. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly gc: Pick<GcIndex, 'touch'>,
    private readonly intervalMs = SIGHTING_INTERVAL_MS,
  ) {}

  /** Notes a sighting; never throws (a pull must not fail because it could not be noted). */
  async seen(digest: string, now = Date.now()): Promise<void> {
    const last = this.written.get(digest);
    if (last !== undefined && now - last < this.intervalMs) return;
    this.written.delete(digest);
    this.written.set(digest, now);
    if (this.written.size > CAPACITY) this.written.delete(this.written.keys().next().value!);
    try {
      await this.gc.touch(digest, now, now - this.intervalMs);
    } catch {
      this.written.delete(digest);
    }
  }
}
