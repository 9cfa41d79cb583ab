// GetAuthorizationToken: the `docker login` password for the caller's registry.
import { z } from 'zod';
import { Actions } from '../../../domain/actions.js';
import { TOKEN_TTL_MS, type TokenService } from '../../../iam/tokens.js';
import type { RepositoryAccess } from '../../../registry/access.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { context, input } from '../../aws-json/registry-api/call.js';
import { hasOwnHost, hostForAccount, type HostRules } from '../../hosts.js';

const GetAuthorizationToken = z.object({
  registryIds: z
    .array(z.string().regex(/^[0-9]{12}$/))
    .min(1)
    .max(10)
    .optional(),
});

export function authActions(
  tokens: TokenService,
  access: RepositoryAccess,
  defaultAccountId: string,
  rules: HostRules,
): ApiActionTable {
  return {
    async GetAuthorizationToken(call) {
      const { registryIds } = input(GetAuthorizationToken, call.body);
      const accounts = registryIds ?? [call.principal.accountId];
      // IAM grants GetAuthorizationToken on Resource "*", in the caller's own account.
      await access.authorizeUnscoped(context(call), Actions.GetAuthorizationToken);
      // One password serves every registry (as with ECR): what it may do in another account's
      // registry is that registry's policies' and the caller's identity policies' to decide.
      // A role session's password carries its session token and ends when the session does.
      const session =
        call.principal.kind === 'role-session' && call.securityToken
          ? { ...call.principal, sessionToken: call.securityToken }
          : undefined;
      const now = Date.now();
      const { password, expiresAt } = tokens.issue(
        {
          account: call.principal.accountId,
          key: call.principal.accessKeyId,
          ...(session && { session: session.sessionToken }),
        },
        now,
        session ? Math.min(TOKEN_TTL_MS, session.expiresAt - now) : TOKEN_TTL_MS,
      );
      return {
        authorizationData: accounts.map((id) => ({
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: epochSeconds(expiresAt),
          // An account with no host of its own has no registry endpoint to log in to: the request's
          // host is another account's registry, so no proxyEndpoint is handed out for it (the
          // password still serves the registries that share with it).
          ...(hasOwnHost(id, defaultAccountId, rules) && {
            proxyEndpoint: `${call.protocol}://${hostForAccount(id, defaultAccountId, call.host, rules)}`,
          }),
        })),
      };
    },
  };
}
