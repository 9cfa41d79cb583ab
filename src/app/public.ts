// The public registry (ECR Public): its repositories, aliases and pull rate limits, and the
// registry services on public repositories. Its listener is public-listener.ts.
import type { Config } from '../config/schema.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { PublicFace } from '../http/ecr-public/call.js';
import { AliasService } from '../public/aliases.js';
import { PublicPullAuthorizer } from '../public/pull-authorizer.js';
import { PullRateLimiter } from '../public/rate-limits.js';
import { PublicRepositoryService } from '../public/repositories.js';
import { RepositoryAccess } from '../registry/access.js';
import type { RegistryServices } from '../registry/services.js';
import type { TlsSetup } from '../tls/setup.js';
import type { TransferMeter } from '../domain/transfer-meter.js';
import { type RegistryParts, registryServices } from './registry.js';

export interface PublicWiring {
  readonly services: RegistryServices;
  readonly aliases: AliasService;
  readonly repositories: PublicRepositoryService;
  readonly limiter: PullRateLimiter;
  readonly face: PublicFace;
  /** The public listener's address (host:port): public.listen, then the port it got once listening. */
  address: string;
}

export function wirePublic(
  config: Config,
  parts: RegistryParts,
  authorizer: Authorizer,
  tls: TlsSetup | undefined,
  meter?: TransferMeter,
): PublicWiring {
  const { store } = parts;
  // Public repositories are made by CreateRepository only, as in ECR Public.
  const publicAccess = new RepositoryAccess(store, new PublicPullAuthorizer(authorizer), {
    region: config.registry.region,
    createRepositoryOnPush: false,
    visibility: 'public',
  });
  const publicServices = registryServices(parts, publicAccess, meter ? { meter } : {});
  const aliases = new AliasService(store, config.public.reservedAliases);
  const publicRepositories = new PublicRepositoryService(store, publicAccess, publicServices.repositories, aliases);
  const limiter = new PullRateLimiter(store, config.public.rateLimit);
  const publicHost = () => config.public.host || wiring.address;
  const wiring: PublicWiring = {
    services: publicServices,
    aliases,
    repositories: publicRepositories,
    limiter,
    face: {
      aliases,
      region: config.registry.region,
      endpoint: { host: publicHost, baseUrl: () => `${tls ? 'https' : 'http'}://${publicHost()}` },
    },
    address: config.public.listen,
  };
  return wiring;
}
