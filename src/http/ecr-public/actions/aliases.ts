// Berth's own actions for registry aliases (ECR Public has none: its console does this), under
// the target prefix BerthPublicRegistry and signed for ecr-public: any account requests a custom
// alias; the deployment's administrator (the default account's root identity) lists, approves
// and rejects them, as `berth admin aliases` does.
import { z } from 'zod';
import type { AliasService } from '../../../public/aliases.js';
import type { RegistryAlias } from '../../../domain/records/public.js';
import type { ApiActionTable, ApiCall } from '../../aws-json/call.js';
import { input } from '../../aws-json/registry-api/call.js';
import { ApiError } from '../errors.js';

const AliasName = z.object({ aliasName: z.string().min(1).max(100) });

function render(alias: RegistryAlias): object {
  return {
    name: alias.name,
    registryId: alias.accountId,
    status: alias.status,
    primaryRegistryAlias: alias.primary,
    defaultRegistryAlias: alias.default,
    createdAt: alias.createdAt / 1000,
  };
}

export function aliasActions(aliases: AliasService, administratorAccountId: string): ApiActionTable {
  const administrator = (call: ApiCall) => {
    if (call.principal.accountId !== administratorAccountId || !call.principal.arn.endsWith(':root')) {
      throw new ApiError('AccessDeniedException', `User: ${call.principal.arn} is not the deployment's administrator`);
    }
  };
  return {
    async RequestRegistryAlias(call) {
      const { aliasName } = input(AliasName, call.body);
      return { alias: render(await aliases.request(call.principal.accountId, aliasName)) };
    },

    async ListRegistryAliases(call) {
      administrator(call);
      const { status } = input(z.object({ status: z.enum(['ACTIVE', 'PENDING', 'REJECTED']).optional() }), call.body);
      return { aliases: (await aliases.list(status)).map(render) };
    },

    async ApproveRegistryAlias(call) {
      administrator(call);
      return { alias: render(await aliases.approve(input(AliasName, call.body).aliasName)) };
    },

    async RejectRegistryAlias(call) {
      administrator(call);
      return { alias: render(await aliases.reject(input(AliasName, call.body).aliasName)) };
    },
  };
}
