// Scans give way to pushes. A node's scans wait for its pushes to settle (scan-worker.ts), but no
// longer than the deferral's bound: a scan that starts while pushes still arrive (a long burst, or
// one scan of a large image) would otherwise take a full share of the node's cores from them for
// as long as it reads. So while pushes are arriving (one within `activeMs`), a scan reads in
// short turns: after `workMs` of reading it rests `restMs`, and so reads at most
// workMs / (workMs + restMs) of the time (a quarter by default). The rest is measured on the
// wall clock, so the turns shrink further when the node is busy. When pushes stop, it reads at
// full speed again.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PacingOptions {
  /** How long after a push the node counts as busy with pushes. */
  activeMs: number;
  /** How long a scan reads before it rests, while pushes arrive. */
  workMs: number;
  /** How long it rests. */
  restMs: number;
  now?: () => number;
  rest?: (ms: number) => Promise<unknown>;
}

export const DEFAULT_PACING = { workMs: 10, restMs: 30 } as const;

export class ScanPacer {
  private lastPush = Number.NEGATIVE_INFINITY;
  private turnStarted: number | undefined;
  /** How many times a scan rested (for tests and the bench). */
  rests = 0;

  constructor(private readonly options: PacingOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** A push was stored on this node. */
  pushed(): void {
    this.lastPush = this.now();
  }

  /** Whether pushes are arriving. */
  busy(at = this.now()): boolean {
    return at - this.lastPush < this.options.activeMs;
  }

  /** Called by a scan between two pieces of what it reads: returns at once, or after a rest while pushes arrive. */
  async pace(): Promise<void> {
    const at = this.now();
    if (!this.busy(at)) {
      this.turnStarted = undefined;
      return;
    }
    this.turnStarted ??= at;
    if (at - this.turnStarted < this.options.workMs) return;
    this.rests++;
    await (this.options.rest ?? sleep)(this.options.restMs);
    this.turnStarted = this.now();
  }

  /** `source`, paced: each piece is asked for after `pace()`. */
  async *paced<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const piece of source) {
      yield piece;
      await this.pace();
    }
  }
}
