// Opens the metadata adapter a URL names: sqlite:<file> (the embedded default) or postgres://….
import { resolve } from 'node:path';
import type { MetadataStore } from './store.js';
import { openSqliteStore } from './sqlite.js';

export async function openMetadata(
  url: string,
  options: { defaultFile: string; poolSize: number },
): Promise<MetadataStore> {
  if (!url) return openSqliteStore(options.defaultFile);
  if (url.startsWith('sqlite:'))
    return openSqliteStore(
      url === 'sqlite::memory:' ? ':memory:' : resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')),
    );
  // Loaded only when used: the PostgreSQL client stays out of an embedded deployment's memory.
  if (isPostgresUrl(url)) return (await import('./postgres.js')).openPostgresStore(url, { poolSize: options.poolSize });
  throw new Error(
    `metadata.url: unsupported database "${url.split(':', 1)[0]}" (supported: sqlite:<file>, postgres://…)`,
  );
}

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}
