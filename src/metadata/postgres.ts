// The PostgreSQL adapter of the metadata port: for scale-out, several Berth nodes share one
// database. Same tables, migrations and queries as SQLite (kysely-store.ts).
import pg from 'pg';
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { Database } from './schema.js';
import { KyselyMetadataStore, migrate } from './kysely-store.js';
import { AdvisoryLocks } from './kysely-locks.js';

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

/**
 * The query builder sends every query unnamed, so PostgreSQL parses and plans it each time. Naming
 * each data statement by a hash of its text makes it prepared once per connection and reused.
 */
function preparedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (!name) {
      name = `berth_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      if (names.size > 1000) names.clear();
      names.set(sql, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) => {
          if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as pg.Submittable);
          if (!PREPARABLE.test(sqlOrCursor)) return client.query(sqlOrCursor, parameters as unknown[]);
          return client.query({ name: nameOf(sqlOrCursor), text: sqlOrCursor, values: parameters as unknown[] });
        }) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => pool.end(),
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatements(pool) }) });
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new KyselyMetadataStore(db, {
    backend: 'postgres',
    binaryCollation: 'C',
    skipLocked: true,
    advisoryLocks: true,
    locks: new AdvisoryLocks(url),
  });
}
