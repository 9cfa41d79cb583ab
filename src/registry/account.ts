// The registry as a whole on the ECR API: its description (DescribeRegistry) and the account
// settings (GetAccountSetting / PutAccountSetting).
import { Actions } from '../domain/actions.js';
import { assertSettingValue, settingSpec } from '../domain/account-settings.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import { registryKey } from '../metadata/registry-key.js';
import type { ReplicationRule } from '../domain/records/replication.js';
import type { ReplicationService } from './replication.js';

export interface RegistryDescription {
  registryId: string;
  /** The registry's replication configuration (PutReplicationConfiguration). */
  replicationRules: ReplicationRule[];
}

export interface AccountSetting {
  name: string;
  value: string;
}

export class AccountService {
  constructor(
    private readonly store: Pick<MetadataStore, 'accountSettings'>,
    private readonly access: RepositoryAccess,
    private readonly replication?: Pick<ReplicationService, 'rules'>,
  ) {}

  async describeRegistry(ctx: RequestContext): Promise<RegistryDescription> {
    await this.access.authorizeRegistry(ctx, Actions.DescribeRegistry);
    return { registryId: ctx.registry.accountId, replicationRules: (await this.replication?.rules(ctx)) ?? [] };
  }

  /** The setting's value: what the account put, or the setting's default. */
  async getSetting(ctx: RequestContext, name: string): Promise<AccountSetting> {
    await this.access.authorizeRegistry(ctx, Actions.GetAccountSetting);
    const spec = settingSpec(name);
    return { name, value: (await this.store.accountSettings.get(registryKey(ctx.registry), name)) ?? spec.default };
  }

  async putSetting(ctx: RequestContext, name: string, value: string): Promise<AccountSetting> {
    await this.access.authorizeRegistry(ctx, Actions.PutAccountSetting);
    await this.store.accountSettings.put(registryKey(ctx.registry), name, assertSettingValue(name, value));
    return { name, value };
  }
}
