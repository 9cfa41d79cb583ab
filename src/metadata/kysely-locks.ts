// Named locks (store-locks.ts). SQLite: one process serves a database (a `berth` command beside
// it completes no uploads), so a lock in this process is the lock. PostgreSQL's advisory locks
// are in postgres-locks.ts, loaded only with a PostgreSQL store.
import { KeyedLock } from '../runtime/keyed-lock.js';
import type { LockIndex } from './store-locks.js';

/** Locks of this process only: one process per database (SQLite). */
export class ProcessLocks implements LockIndex {
  private readonly local = new KeyedLock();

  exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(name, work);
  }

  async close(): Promise<void> {}
}
