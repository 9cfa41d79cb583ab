// DescribeRegistry, GetAccountSetting, PutAccountSetting: the caller's registry as a whole.
import { z } from 'zod';
import type { AccountService } from '../../../registry/account.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { context, input } from '../../aws-json/registry-api/call.js';

const AccountSettingName = z.string().min(1).max(64);

/** Input schemas by action, for the model conformance test. */
export const accountInputs = {
  DescribeRegistry: z.object({}),
  GetAccountSetting: z.object({ name: AccountSettingName }),
  PutAccountSetting: z.object({ name: AccountSettingName, value: z.string() }),
};

export function accountActions(account: AccountService): ApiActionTable {
  return {
    async DescribeRegistry(call) {
      input(accountInputs.DescribeRegistry, call.body);
      const registry = await account.describeRegistry(context(call));
      return { registryId: registry.registryId, replicationConfiguration: { rules: registry.replicationRules } };
    },

    async GetAccountSetting(call) {
      const request = input(accountInputs.GetAccountSetting, call.body);
      return account.getSetting(context(call), request.name);
    },

    async PutAccountSetting(call) {
      const request = input(accountInputs.PutAccountSetting, call.body);
      return account.putSetting(context(call), request.name, request.value);
    },
  };
}
