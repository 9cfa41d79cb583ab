// Serializes work on one upload across nodes: within a process through a keyed lock, then through
// a lease on the upload's row (a compare-and-set on the database every node shares), renewed while
// the work runs. A second request for the upload, on this node or another, waits for the first to
// end and then sees the upload as the first left it (a repeated chunk then gets 416 and the true
// Range). A node that dies holding a lease holds it only until the lease runs out, or until it
// starts again (holders are named after their node, whose start gives up the node's leases).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from '../domain/errors.js';
import type { UploadIndex } from '../metadata/store.js';
import { KeyedLock } from '../runtime/keyed-lock.js';

export interface UploadLockOptions {
  /** How long a lease lasts without renewal (how long a dead node's lease blocks others). */
  leaseMs: number;
  /** How soon a waiting request tries for the lease again (then up to ten times as long). */
  pollMs: number;
}

const DEFAULTS: UploadLockOptions = { leaseMs: 15_000, pollMs: 25 };

/** The prefix of the lease holders of node `node`. */
export function leaseHolderPrefix(node: string): string {
  return `${node}/`;
}

export class UploadLock {
  private readonly local = new KeyedLock();

  constructor(
    private readonly uploads: UploadIndex,
    private readonly node: string,
    private readonly options: UploadLockOptions = DEFAULTS,
  ) {}

  /**
   * Runs `work` holding the upload's lease; waits while another request holds it. An upload that
   * is gone (or goes while waiting) is BLOB_UPLOAD_UNKNOWN.
   */
  run<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(id, async () => {
      const holder = `${leaseHolderPrefix(this.node)}${randomUUID()}`;
      // Tried again soon at first (a short chunk ends soon), then less often (a long one takes time).
      for (
        let wait = this.options.pollMs;
        !(await this.take(id, holder));
        wait = Math.min(wait * 2, 10 * this.options.pollMs)
      ) {
        if (!(await this.uploads.get(id)))
          throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} not found`, { id });
        await sleep(wait);
      }
      return this.holding(id, holder, work);
    });
  }

  /** Runs `work` holding the upload's lease if it is free now; undefined (without running it) if another holds it. */
  tryRun<T>(id: string, work: () => Promise<T>): Promise<T | undefined> {
    return this.local.run(id, async () => {
      const holder = `${leaseHolderPrefix(this.node)}${randomUUID()}`;
      if (!(await this.take(id, holder))) return undefined;
      return this.holding(id, holder, work);
    });
  }

  private take(id: string, holder: string): Promise<boolean> {
    const now = Date.now();
    return this.uploads.lease(id, holder, now, now + this.options.leaseMs);
  }

  private async holding<T>(id: string, holder: string, work: () => Promise<T>): Promise<T> {
    const renewal = setInterval(
      () => {
        this.take(id, holder).catch(() => {
          /* the next renewal tries again; the lease outlasts two misses */
        });
      },
      Math.max(1, Math.floor(this.options.leaseMs / 3)),
    );
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await this.uploads.release(id, holder).catch(() => {
        /* it runs out on its own */
      });
    }
  }
}
