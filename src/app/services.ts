// Everything Berth serves, built once and in order: the deployment (store, master key,
// identities), the storage, who may call, the key service, and the registry services of the
// private and the public registry.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { RepositoryAccess } from '../registry/access.js';
import { RepositoryCreation } from '../registry/repository-creation.js';
import type { RegistryServices } from '../registry/services.js';
import type { RepositoryCreator } from '../domain/repository-creation.js';
import type { SecretService } from '../secrets/secret-service.js';
import type { StorageDriver } from '../storage/driver.js';
import type { TlsSetup } from '../tls/setup.js';
import { type AccessWiring, wireAccess } from './access.js';
import { type Deployment, openDeployment } from './deployment.js';
import { type KmsWiring, wireKms } from './kms.js';
import { type PublicWiring, wirePublic } from './public.js';
import { type RegistryParts, registryParts } from './registry-parts.js';
import { registryServices } from './registry.js';
import { type ScanningWiring, wireScanning } from './scanning.js';
import { wireSecrets } from './secrets.js';
import { openStorage } from './storage.js';

export interface Wiring {
  readonly deployment: Deployment;
  readonly driver: StorageDriver;
  readonly auth: AccessWiring;
  readonly access: RepositoryAccess;
  readonly kms: KmsWiring;
  /** Creates a repository by itself with the creation templates (create-on-push; replication and the pull-through cache later). */
  readonly creator: RepositoryCreator;
  /** What the registry's services share (the push listeners among them). */
  readonly parts: RegistryParts;
  /** The private registry's services. */
  readonly services: RegistryServices;
  /** The public registry: its services, aliases, repositories and rate limits. */
  readonly pub: PublicWiring;
  /** Secrets Manager's secrets. */
  readonly secrets: SecretService;
  /** Image scanning: the service (ECR actions, scan on push) and this node's scan worker. */
  readonly scanning: ScanningWiring;
}

export async function wireServices(config: Config, log: Logger, tls: TlsSetup | undefined): Promise<Wiring> {
  // Storage first: its startup check (a declared encrypted volume) may refuse before anything opens.
  const driver = await openStorage(config, log);
  const deployment = await openDeployment(config);
  const { store } = deployment;
  const auth = await wireAccess(config, deployment, log);
  const kms = wireKms(config, deployment, auth.authorizer);
  // Repositories a push creates get the settings of the creation template that applies.
  const creator = new RepositoryCreation(
    store,
    kms.keyService,
    kms.grantService,
    auth.authorizer,
    config.registry.region,
    // A template's lifecycle policy, kept for the repository as PutLifecyclePolicy keeps one.
    {
      async putLifecyclePolicy(repository, text) {
        await store.lifecycle.putPolicy(repository.id, text, Date.now());
      },
    },
  );
  const access = new RepositoryAccess(store, auth.authorizer, {
    region: config.registry.region,
    createRepositoryOnPush: config.registry.createRepositoryOnPush,
    creator,
  });
  const parts = await registryParts(config, deployment, driver, kms, log);
  const services = registryServices(parts, access, { log });
  const pub = wirePublic(config, parts, auth.authorizer, tls);
  const secrets = wireSecrets(config, deployment, kms.keyService, auth.authorizer);
  const scanning = wireScanning(config, parts, services, access, log);
  return { deployment, driver, auth, access, kms, creator, parts, services, pub, secrets, scanning };
}
