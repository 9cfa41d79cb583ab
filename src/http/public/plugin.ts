// The public registry's /v2 (ECR Public's pull endpoint): references <public host>/<alias>/<repo>,
// every request with a bearer token from /token (anonymous ones are free and pull only), pulls
// rate-limited, pushes with the token of a registry password. The routes are the registry
// protocol's own (http/oci), served with a context whose registry is the public one an alias names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RegistryError } from '../../domain/errors.js';
import { ANONYMOUS, type Principal } from '../../domain/principal.js';
import { publicRegistry } from '../../domain/registry.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { Authenticator } from '../../iam/authenticator.js';
import type { RegistryTokenClaims, RegistryTokenService } from '../../iam/registry-tokens.js';
import type { AliasService } from '../../public/aliases.js';
import type { PullRateLimiter } from '../../public/rate-limits.js';
import { noteRegistryAccount } from '../audit.js';
import { clientIp } from '../connections.js';
import { requestFacts } from '../facts.js';
import { noted } from '../request-log.js';
import { tokenRoute } from './token.js';

/** How the public registry addresses the registry protocol's routes: who calls, and which registry and repository a path names. */
export interface PublicAddressing {
  /** Whether GET /v2/ answers 401 to anonymous callers: never here (a token is asked for first). */
  requireLogin: false;
  context(request: FastifyRequest): Promise<RequestContext>;
  /** `name` is the path's (<alias>/<repository>); the answer addresses the repository in the alias's public registry. */
  route(
    request: FastifyRequest,
    route: string,
    ctx: RequestContext,
    name: string,
  ): Promise<{ ctx: RequestContext; name: string }>;
}

export interface PublicRegistryOptions {
  /**
   * Serves the registry protocol's routes (/v2) in `app` with the public registry's addressing:
   * http/oci's plugin on the public services, which the composition root passes in.
   */
  routes(app: FastifyInstance, addressing: PublicAddressing): Promise<void>;
  aliases: AliasService;
  tokens: RegistryTokenService;
  authenticator: Authenticator;
  limiter: PullRateLimiter;
  /** The public host as clients name it, when configured (else the request's Host). */
  host: string;
}

const CLAIMS_OF = Symbol('berth.publicTokenClaims');
type WithClaims = FastifyRequest & { [CLAIMS_OF]?: RegistryTokenClaims };

/** Whether the token was issued for `action` on the repository (as clients name it: alias/repository). */
function grants(claims: RegistryTokenClaims, name: string, action: 'pull' | 'push'): boolean {
  return claims.access.some((a) => a.type === 'repository' && a.name === name && a.actions.includes(action));
}

/**
 * A token grants at most the scope it was issued for (policies then decide within it): reads
 * need pull on the repository, anything else push. A mount from another repository needs pull
 * there too; without it the upload starts as an ordinary one (the spec's fallback), mounting nothing.
 */
function checkScope(request: FastifyRequest, claims: RegistryTokenClaims, name: string): void {
  const action = request.method === 'GET' || request.method === 'HEAD' ? 'pull' : 'push';
  if (!grants(claims, name, action)) {
    throw new RegistryError(
      'UNAUTHORIZED',
      `the bearer token does not grant ${action} on ${name}: get one for scope repository:${name}:${action === 'pull' ? 'pull' : 'pull,push'} from the token endpoint`,
    );
  }
  const query = request.query as Record<string, unknown>;
  const from = query.from;
  if (query.mount !== undefined && (typeof from !== 'string' || !grants(claims, from, 'pull'))) {
    delete query.mount;
    delete query.from;
  }
}

/** The repository a /v2 path names (alias included), and whether the method writes. */
function scopeOf(request: FastifyRequest): string | undefined {
  const path = request.url.split('?')[0]!.replace(/^\/v2\/?/, '');
  const match = /^(.+?)\/(?:manifests|blobs|tags|referrers)\//.exec(path);
  if (!match) return undefined;
  const write = !['GET', 'HEAD'].includes(request.method);
  return `repository:${match[1]}:${write ? 'pull,push' : 'pull'}`;
}

export async function publicRegistryPlugin(app: FastifyInstance, options: PublicRegistryOptions): Promise<void> {
  const hostOf = (request: FastifyRequest) => options.host || request.headers.host || 'localhost';

  await app.register(tokenRoute, { tokens: options.tokens, authenticator: options.authenticator });

  // Every refusal for want of credentials names the token endpoint and the scope to ask for.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401 && request.url.startsWith('/v2')) {
      const host = hostOf(request);
      const scope = scopeOf(request);
      reply.header(
        'WWW-Authenticate',
        `Bearer realm="${request.protocol}://${host}/token",service="${host}"${scope ? `,scope="${scope}"` : ''}`,
      );
    }
    return payload;
  });

  // Locations and links name the repository as the path does (with its alias): http/oci repeats the path's name.
  await options.routes(app, {
    requireLogin: false,
    async context(request) {
      const authorization = request.headers.authorization;
      const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
      if (!bearer)
        throw new RegistryError(
          'UNAUTHORIZED',
          'a bearer token is needed: get one from the token endpoint (anonymously for pulls)',
        );
      const claims = options.tokens.verify(bearer[1]!);
      if (!claims)
        throw new RegistryError(
          'UNAUTHORIZED',
          'the bearer token is invalid or expired: get another from the token endpoint',
        );
      // Noted for the request's log line and audit event.
      const principal: Principal = noted(
        request.headers,
        claims.key && claims.account
          ? await options.authenticator.keyPrincipal({ key: claims.key, account: claims.account })
          : ANONYMOUS,
      );
      (request as WithClaims)[CLAIMS_OF] = claims;
      // The registry is the one the path's alias names (route); none is named before routing.
      return { principal, registry: publicRegistry(''), facts: requestFacts(request) };
    },
    async route(request, route, ctx, name) {
      if (route === 'base') return { ctx, name };
      if (route === 'catalog')
        throw new RegistryError('UNSUPPORTED', 'the public registry has no catalog: search the gallery', undefined, {
          status: 404,
        });
      checkScope(request, (request as WithClaims)[CLAIMS_OF]!, name);
      const slash = name.indexOf('/');
      const alias = slash === -1 ? name : name.slice(0, slash);
      const accountId = slash === -1 ? undefined : await options.aliases.resolve(alias);
      if (!accountId)
        throw new RegistryError(
          'NAME_UNKNOWN',
          `no public repository is called '${name}': a reference is <alias>/<repository>`,
          { name },
        );
      noteRegistryAccount(request, accountId);
      const routed = { ctx: { ...ctx, registry: publicRegistry(accountId) }, name: name.slice(slash + 1) };
      if (route === 'manifest' && request.method === 'GET')
        await options.limiter.pull(ctx.principal, clientIp(request));
      if (route === 'blob' && (request.method === 'GET' || request.method === 'HEAD'))
        await options.limiter.blobRead(ctx.principal, clientIp(request));
      return routed;
    },
  });
}
