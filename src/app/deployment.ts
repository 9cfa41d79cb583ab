// What every command that works on a deployment opens, whether or not it serves: the metadata
// store, the master key, the identities and the default account. `berth serve` builds the
// registry on it (berth.ts); `berth admin` uses it alone, without starting the HTTP server.
import { mkdirSync, unlinkSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { DeploymentError } from './deployment-error.js';
import { databaseLocation, deploymentExists } from './deployment-presence.js';
import { IdentityService, newAccountId } from '../iam/identities.js';
import { loadTokenService, type TokenService } from '../iam/tokens.js';
import { UserPolicyService } from '../iam/user-policies.js';
import type { PolicyOwner } from '../domain/records/policies.js';
import { MasterKey } from '../keys/master-key.js';
import { openMetadata } from '../metadata/open.js';
import type { MetadataStore } from '../metadata/store.js';

export interface Deployment {
  readonly config: Config;
  readonly store: MetadataStore;
  readonly masterKey: MasterKey;
  readonly identities: IdentityService;
  /** Users' identity policies (inline and attached). */
  readonly userPolicies: UserPolicyService;
  /** Tells what this process cached of an owner's policies to forget it (the server sets it). */
  onPoliciesChanged(listener: (owner: PolicyOwner) => void): void;
  /** Issues and verifies registry passwords with the deployment's signing key. */
  readonly tokens: TokenService;
  /** The deployment's default account (the registry of a host no rule names). */
  readonly accountId: string;
  /** Set when this start generated the master key file (to warn that it must be backed up). */
  readonly generatedMasterKey: string | undefined;
  close(): Promise<void>;
}

/** A path setting: the value when set (relative to the working directory), else `fallback` under dataDir. */
export function dataPath(config: Config, value: string, fallback: string): string {
  if (!value) return join(resolve(config.dataDir), fallback);
  return isAbsolute(value) ? value : resolve(value);
}

export interface OpenOptions {
  /**
   * Make the deployment when its database does not exist yet (a new database, master key and
   * default account), as `berth serve` and `berth admin init` do; otherwise an empty place is an
   * error ("no Berth database at …"), as for the other `berth admin` commands.
   */
  create?: boolean;
}

/** How the master key is configured, as the operator sets it (for messages). */
function masterKeySource(config: Config): string {
  if (config.keys.masterKey) return 'keys.masterKey (BERTH_KEYS_MASTER_KEY)';
  return `the file ${dataPath(config, config.keys.masterKeyFile, 'master.key')} (keys.masterKeyFile, BERTH_KEYS_MASTER_KEY_FILE)`;
}

const SHARE_THE_KEY =
  "every node (and berth admin) needs the same master key: copy the first node's key file and point keys.masterKeyFile (BERTH_KEYS_MASTER_KEY_FILE) at it, or set keys.masterKey (BERTH_KEYS_MASTER_KEY) to the same key everywhere";

export async function openDeployment(config: Config, options: OpenOptions = {}): Promise<Deployment> {
  const defaultFile = dataPath(config, '', 'berth.db');
  if (options.create === false && !(await deploymentExists(config, defaultFile))) {
    throw new DeploymentError(
      `no Berth database at ${databaseLocation(config, defaultFile)}: give the deployment's --config or --data-dir (or BERTH_METADATA_URL), or create a new deployment there with \`berth admin init\``,
    );
  }
  mkdirSync(resolve(config.dataDir), { recursive: true });
  let generatedMasterKey: string | undefined;
  const keyFile = dataPath(config, config.keys.masterKeyFile, 'master.key');
  let masterKey: MasterKey;
  try {
    masterKey = MasterKey.load(config.keys.masterKey, keyFile, (file) => (generatedMasterKey = file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw err; // a file-system error names its path
    throw new DeploymentError(`the master key in ${masterKeySource(config)} is not valid: ${(err as Error).message}`);
  }
  let store: MetadataStore;
  try {
    store = await openMetadata(config.metadata.url, { defaultFile, poolSize: config.metadata.poolSize });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY')
      throw new DeploymentError(
        `cannot open the database ${databaseLocation(config, defaultFile)}: ${(err as Error).message}`,
      );
    throw err;
  }
  try {
    // The signing key is sealed by the master key: opening it proves the master key is this
    // deployment's before anything is sealed with a wrong one.
    const tokens = await loadTokenService(store.settings, masterKey).catch(() => {
      if (generatedMasterKey) {
        // The key this start made is of no use to this database: leave no wrong key behind.
        unlinkSync(generatedMasterKey);
        throw new DeploymentError(
          `this node has no master key yet (it made one in ${generatedMasterKey}, now removed), but the database at ${databaseLocation(config, defaultFile)} is another node's, whose secrets were sealed with its key: ${SHARE_THE_KEY}`,
        );
      }
      throw new DeploymentError(
        `the master key in ${masterKeySource(config)} is not the one this database's secrets were sealed with: ${SHARE_THE_KEY}`,
      );
    });
    const accountId = await store.settings.setIfAbsent('default_account_id', newAccountId());
    const identities = new IdentityService(store, masterKey);
    await identities.ensureAccount(accountId);
    const listeners: ((owner: PolicyOwner) => void)[] = [];
    const userPolicies = new UserPolicyService(store, identities, (owner) => {
      for (const listener of listeners) listener(owner);
    });
    return {
      config,
      store,
      masterKey,
      identities,
      userPolicies,
      tokens,
      accountId,
      generatedMasterKey,
      onPoliciesChanged: (listener) => void listeners.push(listener),
      close: () => store.close(),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
