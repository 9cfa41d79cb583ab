// Lifecycle's runner with its retention guards, built the same way for the server (registry.ts)
// and for `berth lifecycle run` offline: protected images and images in use by runtime principals
// are kept, expiries go through the removal path (deletion protection, the trash), and
// transitions through the storage classes' archiver.
import type { Config } from '../config/schema.js';
import type { ImageArchiver } from '../domain/image-archive.js';
import type { RetentionGuard } from '../domain/retention.js';
import type { MetadataStore } from '../metadata/store.js';
import { hostname } from 'node:os';
import { DeletionProtections } from '../registry/deletion-protection.js';
import { ImageRemoval } from '../registry/image-removal.js';
import { StorageClassService } from '../registry/storage-classes.js';
import { EventOutboxService } from '../events/outbox.js';
import { RegistryEvents } from '../registry/image-events.js';
import { Trash } from '../registry/trash.js';
import { BlobStore } from '../storage/blob-store.js';
import type { Deployment } from './deployment.js';
import { openStorage } from './storage.js';
import { InUseRetention } from '../registry/in-use-retention.js';
import { type LifecycleLog, LifecycleRunner } from '../registry/lifecycle-runner.js';
import { PullExclusionCache } from '../registry/pull-exclusions.js';

export function lifecycleRunner(
  config: Config,
  store: MetadataStore,
  removal: Pick<ImageRemoval, 'removeManifest'>,
  exclusions: PullExclusionCache,
  extras: { log?: LifecycleLog; archiver?: ImageArchiver; guards?: readonly RetentionGuard[] } = {},
): LifecycleRunner {
  const guards: RetentionGuard[] = [...(extras.guards ?? [])];
  const runner = new LifecycleRunner(store, removal, { ...extras, guards });
  guards.push(
    new InUseRetention(
      store,
      exclusions,
      { patterns: config.lifecycle.runtimePrincipals, inUseDays: config.lifecycle.inUseDays },
      () => runner.now(),
    ),
  );
  return runner;
}

/**
 * The runner `berth lifecycle run` uses with no server: the same guards and removal path as the
 * server's (deletion protection, the trash), and an archiver whose moves the server's
 * storage-class-moves job finishes if this process ends first.
 */
export async function offlineLifecycleRunner(deployment: Deployment): Promise<LifecycleRunner> {
  const { config, store } = deployment;
  const driver = await openStorage(config);
  const protections = new DeletionProtections(store);
  const events = new RegistryEvents(new EventOutboxService(store, config.registry.region));
  const removal = new ImageRemoval(
    store,
    { forget() {} },
    {
      protections,
      trash: new Trash(store, config.registry.trashDays),
      // Expiries write their events as the server's do (in their transactions): the server's workers deliver them.
      events: (repository, digest, actor, tags) => events.removal(repository, digest, actor, tags),
    },
  );
  const offline = {
    existing(): never {
      throw new Error('the offline lifecycle runner serves no API calls');
    },
  };
  const storageClasses = new StorageClassService(store, new BlobStore(driver), offline, {
    node: config.nodeId || hostname(),
  });
  return lifecycleRunner(config, store, removal, new PullExclusionCache(store), {
    guards: [protections],
    archiver: storageClasses,
  });
}
