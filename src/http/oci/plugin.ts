// The registry protocol face (/v2): routes from routes.ts, handlers per resource, one error
// boundary. Bodies are never parsed by the framework: handlers stream them.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { RegistryError } from '../../domain/errors.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { RegistryServices } from '../../registry/services.js';
import { deleteBlob, getBlob, headBlob } from './blobs.js';
import { renderError } from '../oci-errors.js';
import { base, catalog, referrers, tags } from './listings.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifests.js';
import type { Handler } from './request.js';
import { matchRoute, type RouteName } from './routes.js';
import { deleteUpload, getUpload, patchUpload, putUpload, startUpload } from './uploads.js';

export interface OciPluginOptions {
  services: RegistryServices;
  /** Whether GET /v2/ answers 401 to anonymous callers (docker login's check). */
  requireLogin: boolean;
  /** Resolves who is calling and which account's registry is addressed. */
  context(request: FastifyRequest): Promise<RequestContext>;
  /**
   * Given the route, may readdress the request (the public registry reads the account from an
   * alias leading the name) or refuse it (rate limits).
   */
  route?(
    request: FastifyRequest,
    route: RouteName,
    ctx: RequestContext,
    name: string,
  ): Promise<{ ctx: RequestContext; name: string }>;
  /**
   * Authorizes a manifest PUT before its body is read: a caller who may not push is refused
   * without the server taking (up to registry.maxManifestBytes of) its body.
   */
  authorizeManifestPut?(ctx: RequestContext, name: string): Promise<void>;
}

const HANDLERS: Record<RouteName, Partial<Record<string, Handler>>> = {
  base: { GET: base, HEAD: base },
  catalog: { GET: catalog },
  tags: { GET: tags },
  manifest: { GET: getManifest, HEAD: headManifest, PUT: putManifest, DELETE: deleteManifest },
  uploads: { POST: startUpload },
  upload: { GET: getUpload, PATCH: patchUpload, PUT: putUpload, DELETE: deleteUpload },
  blob: { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob },
  referrers: { GET: referrers },
};

/** Every route and method the registry protocol serves (for the authorization matrix test). */
export function registryRoutes(): { route: RouteName; method: string }[] {
  return Object.entries(HANDLERS).flatMap(([route, methods]) =>
    Object.keys(methods).map((method) => ({ route: route as RouteName, method })),
  );
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];
const API_VERSION_NAME = 'Docker-Distribution-API-Version';
const API_VERSION_VALUE = 'registry/2.0';
const API_VERSION = { [API_VERSION_NAME]: API_VERSION_VALUE };

/**
 * Errors Fastify raises before routing (a malformed percent-encoding), rendered in the
 * envelope. Fastify takes this only as a server option, so app/listeners.ts wires it.
 */
export function renderFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.headers(API_VERSION);
  if (err.code === 'FST_ERR_BAD_URL')
    return renderError(new RegistryError('NAME_INVALID', 'malformed percent-encoding in the path'), request, reply);
  return renderError(err, request, reply);
}

export async function ociPlugin(app: FastifyInstance, options: OciPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // A callback, not an async function: every /v2 request runs it, and a promise each was measurable.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header(API_VERSION_NAME, API_VERSION_VALUE);
    done();
  });
  app.setErrorHandler((err, request, reply) => renderError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    renderError(
      new RegistryError('UNSUPPORTED', `no such endpoint: ${request.method} ${request.url}`, undefined, {
        status: 404,
      }),
      request,
      reply,
    ),
  );

  const dispatch = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url;
    const queryAt = url.indexOf('?');
    const path = (queryAt === -1 ? url : url.slice(0, queryAt)).replace(/^\/v2\/?/, '');
    const match = matchRoute(path);
    if (!match)
      throw new RegistryError('UNSUPPORTED', `no such endpoint: ${request.method} /v2/${path}`, undefined, {
        status: 404,
      });
    const routeHandlers = HANDLERS[match.route];
    const handler = routeHandlers[request.method];
    if (!handler) {
      reply.header('Allow', Object.keys(routeHandlers).join(', '));
      throw new RegistryError('UNSUPPORTED', `${request.method} is not allowed on this endpoint`, undefined, {
        status: 405,
      });
    }
    let ctx = await options.context(request);
    if (match.route === 'base' && options.requireLogin && ctx.principal.kind === 'anonymous') {
      throw new RegistryError(
        'UNAUTHORIZED',
        'authentication required: log in with user AWS and a password from GetAuthorizationToken',
      );
    }
    let name = match.name;
    const addressed = match.name;
    if (options.route) ({ ctx, name } = await options.route(request, match.route, ctx, name));
    if (match.route === 'manifest' && request.method === 'PUT' && options.authorizeManifestPut)
      await options.authorizeManifestPut(ctx, name);
    return handler({
      request,
      reply,
      ctx,
      services: options.services,
      name,
      addressed,
      target: match.target,
      query: request.query as Record<string, string | string[]>,
    });
  };

  app.route({ method: METHODS, url: '/v2', handler: dispatch, exposeHeadRoute: false });
  app.route({ method: METHODS, url: '/v2/*', handler: dispatch, exposeHeadRoute: false });
}
