// What every command that works on a deployment opens, whether or not it serves: the metadata
// store, the master key, the identities and the default account. `berth serve` builds the
// registry on it (berth.ts); `berth admin` uses it alone, without starting the HTTP server.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { dataPath } from './data-path.js';
import { openDatabase } from './deployment-database.js';
import { loadMasterKey, provenTokenService } from './deployment-master-key.js';
import { databaseLocation, requireDeployment } from './deployment-presence.js';
import { IdentityService, newAccountId } from '../iam/identities.js';
import type { TokenService } from '../iam/tokens.js';
import { UserPolicyService } from '../iam/user-policies.js';
import type { PolicyOwner } from '../domain/records/policies.js';
import type { MasterKey } from '../keys/master-key.js';
import type { MetadataStore } from '../metadata/store.js';

/** Where a deployment keeps its files (for the commands that name them). */
export { dataPath } from './data-path.js';

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

export interface OpenOptions {
  /**
   * Make the deployment when its database does not exist yet (a new database, master key and
   * default account), as `berth serve` and `berth admin init` do; otherwise an empty place is an
   * error ("no Berth database at …"), as for the other `berth admin` commands.
   */
  create?: boolean;
}

export async function openDeployment(config: Config, options: OpenOptions = {}): Promise<Deployment> {
  const defaultFile = dataPath(config, '', 'berth.db');
  if (options.create === false) await requireDeployment(config, defaultFile);
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const key = loadMasterKey(config);
  const { masterKey, generatedMasterKey } = key;
  const store = await openDatabase(config, defaultFile);
  try {
    const tokens = await provenTokenService(config, store, key, databaseLocation(config, defaultFile));
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
