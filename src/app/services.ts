// Everything Berth serves, built once and in order: the deployment (store, master key,
// identities), the storage, who may call, the key service, and the registry services of the
// private and the public registry.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { RepositoryAccess } from '../registry/access.js';
import type { RegistryServices } from '../registry/services.js';
import type { StorageDriver } from '../storage/driver.js';
import type { TlsSetup } from '../tls/setup.js';
import { type AccessWiring, wireAccess } from './access.js';
import { type Deployment, openDeployment } from './deployment.js';
import { type KmsWiring, wireKms } from './kms.js';
import { type PublicWiring, wirePublic } from './public.js';
import { registryParts } from './registry-parts.js';
import { registryServices } from './registry.js';
import { openStorage } from './storage.js';

export interface Wiring {
  readonly deployment: Deployment;
  readonly driver: StorageDriver;
  readonly auth: AccessWiring;
  readonly access: RepositoryAccess;
  readonly kms: KmsWiring;
  /** The private registry's services. */
  readonly services: RegistryServices;
  /** The public registry: its services, aliases, repositories and rate limits. */
  readonly pub: PublicWiring;
}

export async function wireServices(config: Config, log: Logger, tls: TlsSetup | undefined): Promise<Wiring> {
  // Storage first: its startup check (a declared encrypted volume) may refuse before anything opens.
  const driver = await openStorage(config, log);
  const deployment = await openDeployment(config);
  const { store } = deployment;
  const auth = await wireAccess(config, deployment, log);
  const access = new RepositoryAccess(store, auth.authorizer, {
    region: config.registry.region,
    createRepositoryOnPush: config.registry.createRepositoryOnPush,
  });
  const kms = wireKms(config, deployment, auth.authorizer);
  const parts = await registryParts(config, deployment, driver, kms);
  const services = registryServices(parts, access);
  const pub = wirePublic(config, parts, auth.authorizer, tls);
  return { deployment, driver, auth, access, kms, services, pub };
}
