// A deployment's master key: loaded (or made, on a first start) from where the operator put it,
// and proven to be the one the database's secrets were sealed with before anything is sealed
// with a wrong one.
import { unlinkSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { loadTokenService, type TokenService } from '../iam/tokens.js';
import { MasterKey } from '../keys/master-key.js';
import type { MetadataStore } from '../metadata/store.js';
import { dataPath } from './data-path.js';
import { DeploymentError } from './deployment-error.js';

/** How the master key is configured, as the operator sets it (for messages). */
function masterKeySource(config: Config): string {
  if (config.keys.masterKey) return 'keys.masterKey (BERTH_KEYS_MASTER_KEY)';
  return `the file ${dataPath(config, config.keys.masterKeyFile, 'master.key')} (keys.masterKeyFile, BERTH_KEYS_MASTER_KEY_FILE)`;
}

const SHARE_THE_KEY =
  "every node (and berth admin) needs the same master key: copy the first node's key file and point keys.masterKeyFile (BERTH_KEYS_MASTER_KEY_FILE) at it, or set keys.masterKey (BERTH_KEYS_MASTER_KEY) to the same key everywhere";

export interface LoadedMasterKey {
  readonly masterKey: MasterKey;
  /** Set when this start generated the master key file. */
  readonly generatedMasterKey: string | undefined;
}

/** The configured master key; a new key file when none is configured and the file does not exist. */
export function loadMasterKey(config: Config): LoadedMasterKey {
  let generatedMasterKey: string | undefined;
  const keyFile = dataPath(config, config.keys.masterKeyFile, 'master.key');
  try {
    const masterKey = MasterKey.load(config.keys.masterKey, keyFile, (file) => (generatedMasterKey = file));
    return { masterKey, generatedMasterKey };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw err; // a file-system error names its path
    throw new DeploymentError(`the master key in ${masterKeySource(config)} is not valid: ${(err as Error).message}`);
  }
}

/**
 * The token service, whose signing key is sealed by the master key: opening it proves the master
 * key is this deployment's. `location` names the database for messages.
 */
export async function provenTokenService(
  config: Config,
  store: MetadataStore,
  { masterKey, generatedMasterKey }: LoadedMasterKey,
  location: string,
): Promise<TokenService> {
  return loadTokenService(store.settings, masterKey).catch(() => {
    if (generatedMasterKey) {
      // The key this start made is of no use to this database: leave no wrong key behind.
      unlinkSync(generatedMasterKey);
      throw new DeploymentError(
        `this node has no master key yet (it made one in ${generatedMasterKey}, now removed), but the database at ${location} is another node's, whose secrets were sealed with its key: ${SHARE_THE_KEY}`,
      );
    }
    throw new DeploymentError(
      `the master key in ${masterKeySource(config)} is not the one this database's secrets were sealed with: ${SHARE_THE_KEY}`,
    );
  });
}
