// Transfer out, counted in memory and flushed in batches: a pull adds to a counter (one map
// lookup), and every flushSeconds the node adds what it counted to its own rows of the hour
// (metering_transfer, keyed by node, hour and series), so nodes never write the same row and a
// report sums every node's. A flush that fails keeps its counts for the next one; what a node
// counted since its last flush is lost if it dies (at most flushSeconds of it).
import type { TransferCount } from '../domain/records/metering.js';
import type { MeteredRepository, TransferMeter } from '../domain/transfer-meter.js';
import type { MetadataStore } from '../metadata/store.js';

const HOUR_MS = 3_600_000;

export interface TransferCounterOptions {
  /** This node's name (its rows' key). */
  node: string;
  /** The endpoint dimension of what is served through no private endpoint (`public-network`). */
  endpoint: string;
  flushMs: number;
  /** Told of a flush that failed (its counts are kept for the next). */
  onError?: (err: unknown) => void;
  now?: () => number;
}

export class TransferCounter {
  private counts = new Map<string, TransferCount>();
  /** The series counted last, while `counts` is the map it is in (a flush starts a new one). */
  private last:
    | {
        counts: Map<string, TransferCount>;
        hour: number;
        repository: MeteredRepository;
        listener: string;
        endpoint: string;
        caller: string;
        count: TransferCount;
      }
    | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<MetadataStore, 'metering'>,
    private readonly options: TransferCounterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The meter the services of one listener (`main`, `public`) count through. */
  forListener(listener: string): TransferMeter {
    return {
      served: (repository, caller, bytes, endpoint) => this.add(listener, repository, caller, bytes, endpoint),
    };
  }

  add(
    listener: string,
    repository: MeteredRepository,
    caller: string,
    bytes: number,
    endpoint = this.options.endpoint,
  ): void {
    const now = this.now();
    const hour = now - (now % HOUR_MS);
    // The same series as the last pull (one client pulling again): no key is built or looked up.
    const last = this.last;
    if (
      last !== undefined &&
      last.counts === this.counts &&
      last.hour === hour &&
      last.repository === repository &&
      last.listener === listener &&
      last.endpoint === endpoint &&
      last.caller === caller
    ) {
      last.count.bytes += bytes;
      last.count.requests++;
      return;
    }
    const key = `${hour}\n${repository.id}\n${listener}\n${endpoint}\n${caller}`;
    let count = this.counts.get(key);
    if (count) {
      count.bytes += bytes;
      count.requests++;
    } else {
      count = {
        node: this.options.node,
        hour,
        accountId: repository.accountId,
        repositoryId: repository.id,
        repositoryName: repository.name,
        listener,
        endpoint,
        principal: caller,
        bytes,
        requests: 1,
      };
      this.counts.set(key, count);
    }
    this.last = { counts: this.counts, hour, repository, listener, endpoint, caller, count };
  }

  /** Counts not flushed yet (tests, and the bench's report). */
  pending(): number {
    return this.counts.size;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /** Writes what was counted since the last flush; one flush at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.counts.size === 0) return;
    const batch = this.counts;
    this.counts = new Map();
    this.flushing = (async () => {
      try {
        await this.store.metering.addTransfer([...batch.values()]);
      } catch (err) {
        // Kept for the next flush, added to what was counted meanwhile.
        for (const [key, count] of batch) {
          const now = this.counts.get(key);
          if (now) {
            now.bytes += count.bytes;
            now.requests += count.requests;
          } else this.counts.set(key, count);
        }
        this.options.onError?.(err);
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops the timer and flushes what is left (the server's shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
