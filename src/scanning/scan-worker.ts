// The scan worker: on every node, leases the scans asked for through the database (one node per
// scan; a lease that expires, the node died mid-scan, lets another take it over), runs each and
// finishes it COMPLETE, UNSUPPORTED_IMAGE or FAILED. Polls, and is woken when this node asks for
// a scan: once asking has settled (settleMs without another ask, at most maxDeferMs after the
// first), so a burst of pushes is answered first and its scans run after it.
import type { ImageScan, ScanFinding } from '../domain/records/scanning.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ScanResult } from '../metadata/store-scanning.js';
import { LeasedWorker, LeasedWorkerHost } from '../runtime/leased-worker.js';
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
  /**
   * The outbox rows of a scan's event (for its status and findings), written in the transaction
   * that finishes it: the scan event is never lost to a crash after the result is stored.
   */
  events?: (scan: ImageScan, status: ScanResult['status'], findings: ScanFinding[]) => Promise<EventDeliveryInput[]>;
}

export class ScanWorker extends LeasedWorkerHost<ImageScan> {
  protected readonly loop: LeasedWorker<ImageScan>;
  private lastWake = 0;
  private firstWake: number | undefined;

  constructor(
    private readonly store: Pick<MetadataStore, 'scanning'>,
    private readonly scanner: Scanner,
    private readonly options: ScanWorkerOptions,
  ) {
    super();
    const { node, leaseMs, pollMs } = options;
    this.loop = new LeasedWorker({
      pollMs,
      claim: () => {
        const now = Date.now();
        return this.store.scanning.claim(node, now, now + leaseMs);
      },
      run: (scan) => this.run(scan),
      // A round stops between two scans when asking starts again (a push arrived and maxDeferMs
      // has not passed), so that a burst of pushes does not share the node's cores with scans;
      // the next round runs once it settled.
      holdOffMs: () => this.settleDelay(Date.now()),
      // Every scan asked for before this round was served: the next ask starts a new deferral.
      roundEnded: (began) => {
        if (this.lastWake < began) this.firstWake = undefined;
      },
    });
  }

  /** A scan was asked for on this node: look now rather than at the next poll. */
  wake(): void {
    if (!this.loop.active) return;
    const now = Date.now();
    this.lastWake = now;
    this.firstWake ??= now;
    this.loop.wake(this.settleDelay(now));
  }

  /** How long to wait before scanning: until asking has been quiet for settleMs, within maxDeferMs. */
  private settleDelay(now: number): number {
    const settle = this.options.settleMs ?? 0;
    if (settle === 0 || this.firstWake === undefined) return 0;
    const quietAt = this.lastWake + settle;
    const latest = this.firstWake + (this.options.maxDeferMs ?? 10_000);
    return Math.max(0, Math.min(quietAt, latest) - now);
  }

  /** Runs scans until none is waiting (asking need not settle first); the number run. */
  override drain(): Promise<number> {
    this.firstWake = undefined;
    return super.drain();
  }

  /** Runs a leased scan and finishes it, FAILED when the scanner (or finishing it) threw. */
  private async run(scan: ImageScan): Promise<void> {
    try {
      await this.finish(scan, await this.scanner.scan(scan));
    } catch (err) {
      this.options.onError?.(err, scan);
      await this.finish(scan, {
        status: 'FAILED',
        description: `The scan failed: ${(err as Error)?.message ?? String(err)}`.slice(0, 1024),
        inventory: null,
        findings: [],
        advisoriesAt: null,
        sbomDigest: null,
      });
    }
  }

  /** Stores the scan's result and its event's rows in one transaction. */
  private async finish(scan: ImageScan, result: ScanResult): Promise<void> {
    const events = (await this.options.events?.(scan, result.status, result.findings)) ?? [];
    await this.store.scanning.finish(scan.id, this.options.node, Date.now(), result, events);
  }
}
