// The PostgreSQL adapter of the metadata port: for scale-out, several Berth nodes share one
// database. Same tables, migrations and queries as SQLite (kysely-store.ts).
import pg from 'pg';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { Database } from './schema.js';
import { KyselyMetadataStore, migrate } from './kysely-store.js';
import { AdvisoryLocks } from './postgres-locks.js';
import { ChangeEpoch } from './change-epoch.js';

const INT8 = 20;

// BIGINT columns (sizes, timestamps) as numbers: every value Berth stores is below 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresOptions {
  /** Connections in this node's pool. */
  poolSize?: number;
}

const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/** The channel every node LISTENs on for changes to what pulls read (change-epoch.ts). */
const CHANNEL = 'berth_pull_reads';
const NOTIFY = `select pg_notify('${CHANNEL}', '')`;
const BEGIN = /^\s*(begin|start transaction)\b/i;
/** The end of a transaction (not `rollback to <savepoint>`, which leaves it open). */
const END = /^\s*(commit|rollback)\s*;?\s*$/i;

/**
 * The query builder sends every query unnamed, so PostgreSQL parses and plans it each time. Naming
 * each data statement by a hash of its text makes it prepared once per connection and reused.
 *
 * A statement that changes what pulls read is followed by a NOTIFY in its own transaction (sent
 * before COMMIT, delivered by PostgreSQL at the commit), and counted in `changes` as pending
 * until it is committed or rolled back.
 */
function preparedStatements(pool: pg.Pool, changes: ChangeEpoch): PostgresPool {
  const names = new Map<string, { name: string; touches: boolean }>();
  const statementOf = (sql: string) => {
    let statement = names.get(sql);
    if (!statement) {
      const name = `berth_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      statement = { name, touches: ChangeEpoch.touches(sql) };
      if (names.size > 1000) names.clear();
      names.set(sql, statement);
    }
    return statement;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let inTransaction = false;
      /** A change of this connection's open transaction, not yet settled. */
      let changed = false;
      const settle = () => {
        if (changed) changes.settled();
        changed = false;
      };
      const query = async (sql: string, parameters?: ReadonlyArray<unknown>) => {
        if (!PREPARABLE.test(sql)) {
          if (BEGIN.test(sql)) inTransaction = true;
          else if (END.test(sql)) {
            inTransaction = false;
            try {
              if (changed && /^\s*commit/i.test(sql)) await client.query(NOTIFY);
              return await client.query(sql, parameters as unknown[]);
            } finally {
              settle();
            }
          }
          return client.query(sql, parameters as unknown[]);
        }
        const statement = statementOf(sql);
        if (statement.touches && !changed) {
          changed = true;
          changes.write();
        }
        const prepared = { name: statement.name, text: sql, values: parameters as unknown[] };
        if (!statement.touches || inTransaction) return client.query(prepared);
        try {
          const result = await client.query(prepared);
          await client.query(NOTIFY);
          return result;
        } finally {
          settle();
        }
      };
      return {
        query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as pg.Submittable);
          return query(sqlOrCursor, parameters);
        }) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => {
          // A connection given back mid-transaction (an error) is rolled back by the pool or closed.
          settle();
          inTransaction = false;
          client.release(destroy);
        },
      };
    },
    end: () => pool.end(),
  };
}

/**
 * Follows other nodes' changes: a connection of its own LISTENs on CHANNEL; each notification
 * moves `changes` on. While it is down (the server restarted, the network failed), nothing is
 * cached; it connects again after a pause.
 */
function listenForChanges(url: string, changes: ChangeEpoch): () => Promise<void> {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, application_name: 'berth-listen' });
    const lost = () => {
      changes.follow(false);
      next.removeAllListeners('notification');
      next.end().catch(() => {});
      if (client === next) client = undefined;
      if (!closed) timer = setTimeout(connect, 1000).unref();
    };
    next.on('error', lost);
    next.on('end', () => {
      if (client === next) lost();
    });
    next.on('notification', () => changes.bump());
    try {
      await next.connect();
      await next.query(`listen ${CHANNEL}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      changes.follow(true);
    } catch {
      lost();
    }
  };
  void connect();
  return async () => {
    closed = true;
    if (timer) clearTimeout(timer);
    changes.follow(false);
    await client?.end().catch(() => {});
  };
}

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<KyselyMetadataStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: types as pg.CustomTypesConfig,
    application_name: 'berth',
  });
  // The server closing an idle connection (restart, failover, idle timeout) is an 'error' event
  // on the pool, which would end the process unheard. The pool has dropped that connection
  // already and opens another for the next query; a query in flight still fails on its own.
  pool.on('error', () => {});
  // Not following other nodes until the LISTEN connection is up: nothing is cached before.
  const changes = new ChangeEpoch(false);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatements(pool, changes) }) });
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const stopListening = listenForChanges(url, changes);
  return new KyselyMetadataStore(db, {
    changes,
    onClose: stopListening,
    backend: 'postgres',
    binaryCollation: 'C',
    skipLocked: true,
    advisoryLocks: true,
    locks: new AdvisoryLocks(url),
  });
}
