// The public listener (on public.listen, unless it is empty): the public registry (/v2 and
// /token) and the gallery, with the main listener's TLS.
import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit/trail.js';
import { auditListener } from './audit.js';
import type { Config } from '../config/schema.js';
import { ociPlugin } from '../http/oci/plugin.js';
import { GalleryService } from '../public/gallery.js';
import type { Listener } from '../http/listener.js';
import { type PublicAddressing, publicRegistryPlugin } from '../http/public/plugin.js';
import { galleryPlugin } from '../http/web/plugin.js';
import type { Authenticator } from '../iam/authenticator.js';
import { loadRegistryTokenService } from '../iam/registry-tokens.js';
import type { TlsSetup } from '../tls/setup.js';
import type { Deployment } from './deployment.js';
import { addHealthRoutes, type Readiness } from './health.js';
import { berthLogger, openListener, splitListen } from './listeners.js';
import type { PublicWiring } from './public.js';

/** The public listener, unless public.listen is empty. */
export async function openPublicListener(
  config: Config,
  nodeId: string,
  tls: TlsSetup | undefined,
  deployment: Deployment,
  wiring: PublicWiring,
  authenticator: Authenticator,
  ready: Readiness,
  audit?: AuditTrail,
): Promise<Listener | undefined> {
  if (!config.public.listen) return undefined;
  const { store } = deployment;
  const registry = {
    routes: async (scope: FastifyInstance, addressing: PublicAddressing) => {
      await scope.register(ociPlugin, { services: wiring.services, ...addressing });
    },
    aliases: wiring.aliases,
    limiter: wiring.limiter,
    authenticator,
    host: config.public.host,
    tokens: await loadRegistryTokenService(store.settings, deployment.masterKey, config.public.tokenTtlSeconds * 1000),
  };
  const gallery = new GalleryService(store, wiring.aliases);
  const listener = openListener(config, berthLogger(config, { node: nodeId, listener: 'public' }), tls);
  const publicApp = listener.app;
  addHealthRoutes(publicApp, ready);
  // Pulls (and pushes) through the public listener are audited too, as ECR Public's events.
  if (audit) auditListener(publicApp, config, audit, deployment.accountId, 'ecr-public.amazonaws.com');
  await publicApp.register(publicRegistryPlugin, registry);
  await publicApp.register(galleryPlugin, { gallery, host: registry.host });
  return listener;
}

/** Listens on public.listen and notes the address it got. */
export async function listenPublic(config: Config, publicApp: FastifyInstance, wiring: PublicWiring): Promise<void> {
  const bound = splitListen(config.public.listen);
  const publicUrl = await publicApp.listen({ host: bound.host, port: bound.port });
  // With port 0 the kernel picks: the URIs name the port it picked.
  wiring.address = `${bound.host === '0.0.0.0' || bound.host === '::' ? 'localhost' : bound.host}:${new URL(publicUrl).port}`;
}
