// The PostgreSQL adapter of the metadata port: for scale-out, several Berth nodes share one
// database. Same tables, migrations and queries as SQLite (kysely-store.ts).
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import { KyselyMetadataStore, migrate } from './kysely-store.js';

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

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<KyselyMetadataStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: types as pg.CustomTypesConfig, application_name: 'berth' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new KyselyMetadataStore(db, { backend: 'postgres', binaryCollation: 'C', skipLocked: true, advisoryLocks: true });
}
