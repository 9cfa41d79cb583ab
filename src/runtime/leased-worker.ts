// The loop of the workers that lease their work through the database (event deliveries,
// replications, image scans): claim a due item, run it, take the next until none is due, then
// look again every pollMs; `lanes` such loops at once; stop() waits for what runs. What an item
// is, how it is leased, finished or retried stays with each worker (claim and run). A worker that
// is told of new work (wake) looks before the next poll; one that must hold off between items
// (a scan waits for a burst of pushes to settle) ends its round and begins the next after it.
// LeasedWorkerHost is the base of the workers that hold such a loop.

export interface LeasedWorkerOptions<T> {
  /** How long a lane waits before looking again once nothing was due. */
  pollMs: number;
  /** Items run at once (default 1). */
  lanes?: number;
  /** Leases the next due item; undefined when none is. */
  claim: () => Promise<T | undefined>;
  /** Runs a leased item to its end (finished or retried in its store). */
  run: (item: T) => Promise<void>;
  /** Before each item of a round: how long to hold off (0: go on); a hold-off ends the round, the next begins after it. */
  holdOffMs?: () => number;
  /** A round ended because nothing more was due; it began at `began` (ms). */
  roundEnded?: (began: number) => void;
}

interface Lane {
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  /** Told of work (or held off) during its round: the next round begins without waiting for the poll. */
  again: boolean;
}

/** Backoff before attempt n+1: base, 2×base, 4×base … at most `maxMs`. */
export function exponentialBackoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** attempts, maxMs);
}

/** Runs `work` while renewing its lease every third of `leaseMs` (at least every second), so a long item keeps it. */
export async function renewingLease<T>(
  leaseMs: number,
  renew: () => Promise<unknown>,
  work: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(
    () => {
      renew().catch(() => undefined);
    },
    Math.max(1000, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export class LeasedWorker<T> {
  private readonly lanes: Lane[];
  private started = false;
  private stopped = false;

  constructor(private readonly options: LeasedWorkerOptions<T>) {
    this.lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () => ({ again: false }));
  }

  /** Started and not stopped. */
  get active(): boolean {
    return this.started && !this.stopped;
  }

  /** Starts the lanes: each works while items are due, then looks again every pollMs. */
  start(): void {
    this.started = true;
    this.stopped = false;
    for (const lane of this.lanes) this.schedule(lane, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = undefined;
    }
    await Promise.all(this.lanes.map((lane) => lane.running));
  }

  /** Work is waiting: an idle lane looks after `delayMs` rather than at its next poll, a busy one right after its round. */
  wake(delayMs = 0): void {
    if (!this.active) return;
    for (const lane of this.lanes) {
      if (lane.running) {
        lane.again = true;
        continue;
      }
      if (lane.timer) clearTimeout(lane.timer);
      this.schedule(lane, delayMs);
    }
  }

  /** Works until nothing is due, a lane's number at a time; the number done. */
  async drain(): Promise<number> {
    let done = 0;
    const loop = async () => {
      while (!this.stopped && (await this.runOne())) done++;
    };
    await Promise.all(this.lanes.map(loop));
    return done;
  }

  /** Leases and runs one due item; false when none is due. */
  async runOne(): Promise<boolean> {
    const item = await this.options.claim();
    if (item === undefined) return false;
    await this.options.run(item);
    return true;
  }

  private async round(lane: Lane): Promise<void> {
    const began = Date.now();
    for (;;) {
      if (this.stopped) return;
      if ((this.options.holdOffMs?.() ?? 0) > 0) {
        lane.again = true;
        return;
      }
      if (!(await this.runOne())) break;
    }
    this.options.roundEnded?.(began);
  }

  private schedule(lane: Lane, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      lane.timer = undefined;
      lane.running = this.round(lane)
        .catch(() => undefined)
        .then(() => {
          lane.running = undefined;
          const next = lane.again ? (this.options.holdOffMs?.() ?? 0) : this.options.pollMs;
          lane.again = false;
          this.schedule(lane, next);
        });
    }, delayMs);
    timer.unref();
    lane.timer = timer;
  }
}

/**
 * A worker that holds one such loop (the delivery, replication and scan workers): start, stop,
 * drain and runOne are the loop's; the worker says in its constructor how it claims and runs.
 */
export abstract class LeasedWorkerHost<T> {
  protected abstract readonly loop: LeasedWorker<T>;

  /** Starts the loop's lanes: each works while items are due, then looks again every pollMs. */
  start(): void {
    this.loop.start();
  }

  /** Stops looking, and waits for the items that run. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Works until nothing is due, a lane's number at a time; the number done. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  /** Leases and runs one due item; false when none is due. */
  runOne(): Promise<boolean> {
    return this.loop.runOne();
  }
}
