// GetAuthorizationToken: the `docker login` password for the caller's registry.
import { z } from 'zod';
import { TOKEN_TTL_MS, type TokenService } from '../../../iam/tokens.js';
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
      // A role session's password carries its session token and ends when the session does.
      const session = call.principal.kind === 'role-session' && call.securityToken ? { ...call.principal, sessionToken: call.securityToken } : undefined;
      const now = Date.now();
      const { password, expiresAt } = tokens.issue(
        { account: call.principal.accountId, key: call.principal.accessKeyId, ...(session && { session: session.sessionToken }) },
        now, session ? Math.min(TOKEN_TTL_MS, session.expiresAt - now) : TOKEN_TTL_MS,
      );
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
