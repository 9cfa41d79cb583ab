// Everything Berth serves, built once and in order: the deployment (store, master key,
// identities), the storage, who may call, the key service, and the registry services of the
// private and the public registry.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { RepositoryAccess } from '../registry/access.js';
import { ImageSigner } from '../registry/image-signer.js';
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
import { pullThroughCache, type PullThroughWiring, wirePullThrough } from './pull-through.js';
import { type ScanningWiring, wireScanning } from './scanning.js';
import { wireSecrets } from './secrets.js';
import { openStorage } from './storage.js';
import { type EventsWiring, wireEvents } from './events.js';
import { type MeteringWiring, wireMetering } from './metering.js';

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
  /** Events: the outbox, the rules and targets. */
  readonly events: EventsWiring;
  /** The pull-through cache: its rules and the upstream source of cache misses. */
  readonly pullThrough: PullThroughWiring;
  /** Metering: this node's transfer counter, the storage sampler, the usage service. */
  readonly metering: MeteringWiring;
  /** Managed signing on push (a push listener), and the recovery of signings a stopped node left. */
  readonly signer: ImageSigner;
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
  const events = wireEvents(config, store, auth.authorizer, deployment.masterKey);
  const parts = { ...(await registryParts(config, deployment, driver, kms, log)), eventOutbox: events.outbox };
  const metering = wireMetering(config, store, log);
  const mainMeter = metering.meter('main');
  const services = registryServices(parts, access, { log, ...(mainMeter && { meter: mainMeter }) });
  const pub = wirePublic(config, parts, auth.authorizer, tls, metering.meter('public'));
  const secrets = wireSecrets(config, deployment, kms.keyService, auth.authorizer);
  const signer = new ImageSigner(store, kms.keyService, () => services, log);
  parts.pushListeners.push(signer);
  const scanning = wireScanning(config, parts, services, access, log, events.outbox);
  const pullThrough = wirePullThrough(config, store, auth.authorizer, secrets, auth.sessions);
  services.pullThrough = pullThroughCache(
    config,
    store,
    services,
    access,
    creator,
    pullThrough.source,
    log,
    events.outbox,
  );
  return {
    deployment,
    driver,
    auth,
    access,
    kms,
    creator,
    parts,
    services,
    pub,
    secrets,
    events,
    pullThrough,
    metering,
    signer,
    scanning,
  };
}
