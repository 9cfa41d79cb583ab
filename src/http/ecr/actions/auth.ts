// GetAuthorizationToken: the `docker login` password for the caller's registry.
import { z } from 'zod';
import type { TokenService } from '../../../iam/tokens.js';
import { ApiError } from '../errors.js';
import { epochSeconds, input, type ApiActionTable } from '../call.js';
import { hostForAccount, type HostRules } from '../../hosts.js';

const GetAuthorizationToken = z.object({
  registryIds: z.array(z.string().regex(/^[0-9]{12}$/, 'registryId must be a 12-digit account id')).min(1).max(10).optional(),
});

export function authActions(tokens: TokenService, defaultAccountId: string, rules: HostRules): ApiActionTable {
  return {
    async GetAuthorizationToken(call) {
      const { registryIds } = input(GetAuthorizationToken, call.body);
      const accounts = registryIds ?? [call.principal.accountId];
      for (const id of accounts) {
        if (id !== call.principal.accountId) throw new ApiError('AccessDeniedException', `User: ${call.principal.arn} is not authorized to access registry ${id}`);
      }
      const { password, expiresAt } = tokens.issue({ account: call.principal.accountId, key: call.principal.accessKeyId });
      return {
        authorizationData: accounts.map((id) => ({
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: epochSeconds(expiresAt),
          proxyEndpoint: `${call.protocol}://${hostForAccount(id, defaultAccountId, call.host, rules)}`,
        })),
      };
    },
  };
}
