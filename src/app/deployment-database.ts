// Opening a deployment's metadata database (made and migrated when new), with a message naming
// the place when the file cannot be opened.
import type { Config } from '../config/schema.js';
import { openMetadata } from '../metadata/open.js';
import type { MetadataStore } from '../metadata/store.js';
import { DeploymentError } from './deployment-error.js';
import { databaseLocation } from './deployment-presence.js';

export async function openDatabase(config: Config, defaultFile: string): Promise<MetadataStore> {
  try {
    return await openMetadata(config.metadata.url, { defaultFile, poolSize: config.metadata.poolSize });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY')
      throw new DeploymentError(
        `cannot open the database ${databaseLocation(config, defaultFile)}: ${(err as Error).message}`,
      );
    throw err;
  }
}
