// Named locks (store-locks.ts) of a PostgreSQL database that several nodes share: the same lock
// in this process first (one waiter per name per node), then a session-level advisory lock, held
// on a connection of a small pool of its own: the work runs on the main pool meanwhile, so holders
// waiting for the work's queries never starve it of connections. A node that dies holding one
// loses its connection, and the server releases its locks.
import pg from 'pg';
import { KeyedLock } from '../runtime/keyed-lock.js';
import type { LockIndex } from './store-locks.js';

/** Connections that may hold locks at once: more holders wait for one (none waits on the main pool). */
const LOCK_CONNECTIONS = 4;

/** Advisory locks of a PostgreSQL database that several nodes share. */
export class AdvisoryLocks implements LockIndex {
  private readonly local = new KeyedLock();
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: LOCK_CONNECTIONS, application_name: 'berth-locks' });
    this.pool.on('error', () => {});
  }

  exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(name, async () => {
      const client = await this.pool.connect();
      let broken = false;
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        // The two-key form: a key space apart from the one-key locks of garbage collection (kysely-gc.ts).
        await client.query(`select pg_advisory_lock(hashtext('berth'), hashtext($1))`, [name]);
        try {
          return await work();
        } finally {
          await client.query(`select pg_advisory_unlock(hashtext('berth'), hashtext($1))`, [name]).catch(() => {
            broken = true;
          });
        }
      } finally {
        client.off('error', onError);
        // A connection whose unlock failed may still hold the lock: closed, which releases it.
        client.release(broken);
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
