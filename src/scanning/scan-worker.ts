// The scan worker: on every node, leases the scans asked for through the database (one node per
// scan; a lease that expires, the node died mid-scan, lets another take it over), runs each and
// finishes it COMPLETE, UNSUPPORTED_IMAGE or FAILED. Polls, and is woken at once when this node
// asks for a scan.
import type { ImageScan } from '../domain/records/scanning.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Scanner } from './scanner.js';

export interface ScanWorkerOptions {
  node: string;
  leaseMs: number;
  pollMs: number;
  onError?: (err: unknown, scan: ImageScan) => void;
}

export class ScanWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;

  constructor(
    private readonly store: Pick<MetadataStore, 'scanning'>,
    private readonly scanner: Scanner,
    private readonly options: ScanWorkerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** A scan was asked for on this node: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Runs scans until none is waiting; the number run. */
  async drain(): Promise<number> {
    let done = 0;
    while (!this.stopped && (await this.runOne())) done++;
    return done;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain()
        .catch(() => 0)
        .then(() => {
          this.running = undefined;
          const next = this.again ? 0 : this.options.pollMs;
          this.again = false;
          this.schedule(next);
        });
    }, delay);
    this.timer.unref();
  }

  /** Leases and runs one scan; false when none is waiting. */
  async runOne(): Promise<boolean> {
    const now = Date.now();
    const scan = await this.store.scanning.claim(this.options.node, now, now + this.options.leaseMs);
    if (!scan) return false;
    try {
      const result = await this.scanner.scan(scan);
      await this.store.scanning.finish(scan.id, this.options.node, Date.now(), result);
    } catch (err) {
      this.options.onError?.(err, scan);
      await this.store.scanning.finish(scan.id, this.options.node, Date.now(), {
        status: 'FAILED',
        description: `The scan failed: ${(err as Error)?.message ?? String(err)}`.slice(0, 1024),
        inventory: null,
        findings: [],
        advisoriesAt: null,
        sbomDigest: null,
      });
    }
    return true;
  }
}
