// What every command that works on a deployment opens, whether or not it serves: the metadata
// store, the master key, the identities and the default account. `berth serve` builds the
// registry on it (app.ts); `berth admin` uses it alone, without starting the HTTP server.
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { IdentityService, newAccountId } from './iam/identities.js';
import { loadTokenService, type TokenService } from './iam/tokens.js';
import { UserPolicyService } from './iam/user-policies.js';
import type { PolicyOwner } from './metadata/store.js';
import { MasterKey } from './keys/master-key.js';
import { openMetadata } from './metadata/open.js';
import type { MetadataStore } from './metadata/store.js';

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

export async function openDeployment(config: Config): Promise<Deployment> {
  mkdirSync(resolve(config.dataDir), { recursive: true });
  let generatedMasterKey: string | undefined;
  const masterKey = MasterKey.load(config.keys.masterKey, dataPath(config, config.keys.masterKeyFile, 'master.key'), (file) => (generatedMasterKey = file));
  const store = await openMetadata(config.metadata.url, { defaultFile: dataPath(config, '', 'berth.db'), poolSize: config.metadata.poolSize });
  try {
    // The signing key is sealed by the master key: opening it proves the master key is this
    // deployment's before anything is sealed with a wrong one.
    const tokens = await loadTokenService(store.settings, masterKey).catch(() => {
      throw new ConfigError([`keys: the master key (${config.keys.masterKey ? 'keys.masterKey' : dataPath(config, config.keys.masterKeyFile, 'master.key')}) is not the one this database's secrets were sealed with: use the key of the deployment's other nodes`], 'master key');
    });
    const accountId = await store.settings.setIfAbsent('default_account_id', newAccountId());
    const identities = new IdentityService(store, masterKey);
    await identities.ensureAccount(accountId);
    const listeners: ((owner: PolicyOwner) => void)[] = [];
    const userPolicies = new UserPolicyService(store, identities, (owner) => listeners.forEach((listener) => listener(owner)));
    return {
      config, store, masterKey, identities, userPolicies, tokens, accountId, generatedMasterKey,
      onPoliciesChanged: (listener) => void listeners.push(listener),
      close: () => store.close(),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
