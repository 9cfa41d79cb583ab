// The scan worker: on every node, leases the scans asked for through the database (one node per
// scan; a lease that expires, the node died mid-scan, lets another take it over), runs each and
// finishes it COMPLETE, UNSUPPORTED_IMAGE or FAILED. Polls, and is woken when this node asks for
// a scan: once asking has settled (settleMs without another ask, at most maxDeferMs after the
// first), so a burst of pushes is answered first and its scans run after it.
import type { ImageScan, ScanFinding } from '../domain/records/scanning.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Scanner } from './scanner.js';

export interface ScanWorkerOptions {
  node: string;
  leaseMs: number;
  pollMs: number;
  /** How long asking must be quiet before scans run (a burst of pushes goes first). */
  settleMs?: number;
  /** The longest a scan asked for waits for asking to settle. */
  maxDeferMs?: number;
  onError?: (err: unknown, scan: ImageScan) => void;
  /** Told of each scan that finished (COMPLETE or FAILED, with its findings): the scan event. */
  onFinished?: (scan: ImageScan, status: string, findings: ScanFinding[]) => Promise<void>;
}

export class ScanWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;
  private lastWake = 0;
  private firstWake: number | undefined;

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
    const now = Date.now();
    this.lastWake = now;
    this.firstWake ??= now;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(this.settleDelay(now));
  }

  /** How long to wait before scanning: until asking has been quiet for settleMs, within maxDeferMs. */
  private settleDelay(now: number): number {
    const settle = this.options.settleMs ?? 0;
    if (settle === 0 || this.firstWake === undefined) return 0;
    const quietAt = this.lastWake + settle;
    const latest = this.firstWake + (this.options.maxDeferMs ?? 10_000);
    return Math.max(0, Math.min(quietAt, latest) - now);
  }

  /** Runs scans until none is waiting; the number run. */
  async drain(): Promise<number> {
    let done = 0;
    this.firstWake = undefined;
    while (!this.stopped && (await this.runOne())) done++;
    return done;
  }

  /**
   * The worker's own round: runs scans until none is waiting, but stops between two scans when
   * asking starts again (a push arrived and maxDeferMs has not passed), so that a burst of
   * pushes does not share the node's cores with scans; the next round runs once it settled.
   */
  private async round(): Promise<void> {
    const began = Date.now();
    for (;;) {
      if (this.stopped) return;
      if (this.settleDelay(Date.now()) > 0) {
        this.again = true;
        return;
      }
      if (!(await this.runOne())) break;
    }
    // Every scan asked for before this round was served: the next ask starts a new deferral.
    if (this.lastWake < began) this.firstWake = undefined;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.round()
        .catch(() => undefined)
        .then(() => {
          this.running = undefined;
          const next = this.again ? this.settleDelay(Date.now()) : this.options.pollMs;
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
    let finished: { status: string; findings: ScanFinding[] };
    try {
      const result = await this.scanner.scan(scan);
      await this.store.scanning.finish(scan.id, this.options.node, Date.now(), result);
      finished = result;
    } catch (err) {
      this.options.onError?.(err, scan);
      finished = { status: 'FAILED', findings: [] };
      await this.store.scanning.finish(scan.id, this.options.node, Date.now(), {
        status: 'FAILED',
        description: `The scan failed: ${(err as Error)?.message ?? String(err)}`.slice(0, 1024),
        inventory: null,
        findings: [],
        advisoriesAt: null,
        sbomDigest: null,
      });
    }
    await this.options
      .onFinished?.(scan, finished.status, finished.findings)
      .catch((err) => this.options.onError?.(err, scan));
    return true;
  }
}
