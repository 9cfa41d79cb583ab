// PostgreSQL for tests: BERTH_TEST_POSTGRES_URL names a server and a role that may create
// databases; each data directory gets its own database, so restart tests find their data again.
// Without the variable, PostgreSQL tests skip (and fail under CI=true).
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { TestContext } from 'node:test';

export function postgresAdminUrl(): string | undefined {
  return process.env.BERTH_TEST_POSTGRES_URL || undefined;
}

/** The backend the shared tests run on in this pass: sqlite (default) or postgres. */
export function testBackend(): 'sqlite' | 'postgres' {
  return process.env.BERTH_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
}

/** True when PostgreSQL can be used; otherwise skips the test, or throws under CI. */
export function requirePostgres(t: TestContext): boolean {
  if (postgresAdminUrl()) return true;
  if (process.env.CI === 'true')
    throw new Error('BERTH_TEST_POSTGRES_URL is required in CI (.ci/run starts PostgreSQL)');
  t.skip('BERTH_TEST_POSTGRES_URL is not set: no PostgreSQL to test against');
  return false;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = postgresAdminUrl();
  if (!url) throw new Error('BERTH_TEST_POSTGRES_URL is not set');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(postgresAdminUrl()!);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Test databases are berth_t_<run>_<hash>: a run (scripts/test.mjs sets BERTH_TEST_RUN) drops
 * only its own at the end, never those of another run sharing the server.
 */
function runPrefix(): string {
  return `berth_t_${(process.env.BERTH_TEST_RUN ?? 'local')
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 16)}_`;
}

function databaseName(key: string): string {
  return `${runPrefix()}${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

/** A database of its own for `key` (a data directory, a test name), created on first use. */
export async function postgresDatabaseFor(key: string): Promise<string> {
  const name = databaseName(key);
  await withAdmin(async (client) => {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`create database ${name}`);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err; // created concurrently
      }
    }
  });
  return databaseUrl(name);
}

export async function dropPostgresDatabaseFor(key: string): Promise<void> {
  const name = databaseName(key);
  await withAdmin((client) => client.query(`drop database if exists ${name} with (force)`));
}

/** Drops every test database of this run (after a test pass). */
export async function dropAllTestDatabases(): Promise<number> {
  return withAdmin(async (client) => {
    const pattern = `${runPrefix().replace(/_/g, '\\_')}%`;
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      pattern,
    ]);
    for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`);
    return rows.length;
  });
}

/** The metadata URL a test Berth on `dataDir` should use in this pass ('' = SQLite in the data dir). */
export async function testMetadataUrl(dataDir: string): Promise<string> {
  return testBackend() === 'postgres' ? postgresDatabaseFor(dataDir) : '';
}
