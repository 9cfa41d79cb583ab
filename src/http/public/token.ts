// The public registry's token endpoint (Docker's token authentication): GET /token with
// scope=repository:<alias>/<repo>:<actions>. Without credentials it grants pulls; with Basic
// AWS:<password from ECR Public's GetAuthorizationToken> it grants pulls and pushes, which the
// one authorization call still decides request by request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../domain/errors.js';
import type { Authenticator } from '../../iam/authenticator.js';
import type { GrantedAccess, RegistryTokenService } from '../../iam/registry-tokens.js';
import { renderError } from '../oci-errors.js';

const SCOPE = /^repository:([a-z0-9]+(?:[._/-][a-z0-9]+)*):([a-z*,]+)$/;

function scopes(query: Record<string, string | string[] | undefined>): string[] {
  const value = query.scope;
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((s) => s.split(' ')).filter(Boolean);
}

/** What each asked scope is granted: pulls for anyone, pushes for a caller with credentials. */
export function grant(asked: string[], authenticated: boolean): GrantedAccess[] {
  return asked.map((scope) => {
    const match = SCOPE.exec(scope);
    if (!match)
      throw new RegistryError(
        'UNSUPPORTED',
        `unsupported scope '${scope}': use repository:<alias>/<repository>:pull or :pull,push`,
        undefined,
        { status: 400 },
      );
    const allowed = authenticated ? ['pull', 'push'] : ['pull'];
    const actions = match[2]!.split(',').filter((a) => allowed.includes(a));
    return { type: 'repository' as const, name: match[1]!, actions };
  });
}

export async function tokenRoute(
  app: FastifyInstance,
  options: { tokens: RegistryTokenService; authenticator: Authenticator },
): Promise<void> {
  app.get('/token', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const principal = await options.authenticator.basic(request.headers.authorization);
      const access = grant(scopes(request.query as Record<string, string | string[]>), principal.kind !== 'anonymous');
      const issued = options.tokens.issue(
        principal.kind !== 'anonymous'
          ? { key: principal.accessKeyId, account: principal.accountId, access }
          : { access },
      );
      return reply.header('Cache-Control', 'no-store').send({
        token: issued.token,
        access_token: issued.token,
        expires_in: issued.expiresIn,
        issued_at: issued.issuedAt,
      });
    } catch (err) {
      // A bad password is refused here, not turned into an anonymous token: the client must know.
      if (err instanceof RegistryError && err.status === 401)
        reply.header('WWW-Authenticate', 'Basic realm="Berth public registry"');
      return renderError(err, request, reply);
    }
  });
}
