// Whether a deployment's database already exists, asked without creating anything: `berth admin`
// pointed at an empty place (a data dir with nothing in it, or a PostgreSQL database never
// served) must say so instead of making a new deployment there.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { DeploymentError } from './deployment-error.js';
import { isPostgresUrl } from '../metadata/open.js';

/** Where the deployment's database is, as an operator would name it (a PostgreSQL password hidden). */
export function databaseLocation(config: Config, defaultFile: string): string {
  const url = config.metadata.url;
  if (!url) return defaultFile;
  if (url.startsWith('sqlite:')) return resolve(url.slice('sqlite:'.length).replace(/^\/\//, ''));
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** True when the database holds a Berth deployment (its default account is set). */
export async function deploymentExists(config: Config, defaultFile: string): Promise<boolean> {
  const url = config.metadata.url;
  if (!url || url.startsWith('sqlite:')) {
    if (url === 'sqlite::memory:') return false;
    const file = databaseLocation(config, defaultFile);
    return existsSync(file) && statSync(file).size > 0;
  }
  if (!isPostgresUrl(url)) return true; // openMetadata names what is unsupported
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, application_name: 'berth' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    if (code === '3D000') return false; // the database itself does not exist
    throw new DeploymentError(
      `cannot reach the database at ${databaseLocation(config, defaultFile)}: ${message ?? code}`,
    );
  }
  try {
    const result = await client.query("select value from settings where key = 'default_account_id'");
    return (result.rowCount ?? 0) > 0;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return false; // no settings table: never migrated
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fails, naming the place and what to do, when no deployment's database is there. */
export async function requireDeployment(config: Config, defaultFile: string): Promise<void> {
  if (await deploymentExists(config, defaultFile)) return;
  throw new DeploymentError(
    `no Berth database at ${databaseLocation(config, defaultFile)}: give the deployment's --config or --data-dir (or BERTH_METADATA_URL), or create a new deployment there with \`berth admin init\``,
  );
}
