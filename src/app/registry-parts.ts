// What the registry's services share, whichever access they go through, built once: the blob
// store, blob forms, manifest formats, the layer URL signing key and the upload settings.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { parsePlatform } from '../domain/conversions/negotiate.js';
import { lazyManifestSigningKey } from '../keys/manifest-signing-key.js';
import { SECRETS } from '../keys/secrets.js';
import { loadSharedSecret } from '../keys/shared-secret.js';
import type { MetadataStore } from '../metadata/store.js';
import { BlobForms } from '../registry/blob-forms.js';
import { ContentCache } from '../registry/content-cache.js';
import { ManifestFormats } from '../registry/manifest-formats.js';
import { PullExclusionCache } from '../registry/pull-exclusions.js';
import { leaseHolderPrefix } from '../registry/upload-lock.js';
import { BlobStore } from '../storage/blob-store.js';
import type { StorageDriver } from '../storage/driver.js';
import type { PushListener } from '../domain/push-listener.js';
import type { EventOutbox } from '../domain/events.js';
import type { Deployment } from './deployment.js';
import type { KmsWiring } from './kms.js';

/** What the registry's services share, whichever access they go through: built once. */
export interface RegistryParts extends KmsWiring {
  readonly config: Config;
  readonly store: MetadataStore;
  readonly blobStore: BlobStore;
  readonly blobForms: BlobForms;
  readonly formats: ManifestFormats;
  readonly layerUrlKey: Buffer;
  readonly uploadOptions: { maxBlobBytes: number; node: string };
  /** Where background work (the moves of archived images' layers) reports what it did and what failed. */
  readonly log?: Pick<Logger, 'info' | 'error'>;
  /** Each account's pull time update exclusions, as the pull path reads them. */
  readonly pullExclusions: PullExclusionCache;
  /**
   * Told of every stored push, after its transaction (scan on push, signing, metrics): a
   * capability's wiring adds its listener here before the server starts.
   */
  readonly pushListeners: PushListener[];
  /** Where the registry's changes send their events (pushes in their own transaction); none: no events. */
  readonly eventOutbox?: EventOutbox;
}

export async function registryParts(
  config: Config,
  deployment: Deployment,
  driver: StorageDriver,
  kms: KmsWiring,
  log?: Pick<Logger, 'info' | 'error'>,
): Promise<RegistryParts> {
  const { store } = deployment;
  const { dataKeys } = kms;
  const blobStore = new BlobStore(
    driver,
    config.storage.s3.redirect
      ? { redirectSeconds: config.storage.s3.redirectExpirySeconds }
      : { storeEncrypted: driver.encryptsAtRest === true && config.storage.driver === 'filesystem' },
  );
  const blobForms = new BlobForms(blobStore, dataKeys);
  const signingKey = lazyManifestSigningKey(store.settings, deployment.masterKey);
  const formats = new ManifestFormats(
    store,
    blobStore,
    new ContentCache(config.registry.manifestCacheBytes),
    dataKeys,
    signingKey,
    {
      defaultPlatform: parsePlatform(config.registry.defaultPlatform),
      maxConfigBytes: config.registry.maxManifestBytes,
    },
  );
  const layerUrlKey = await loadSharedSecret(store.settings, deployment.masterKey, SECRETS.layerUrls);
  // Upload leases are named after the node as it stays across restarts (its configured id, else its
  // host): a node that starts again gives up the leases it held when it died, instead of waiting them out.
  const uploadOptions = { maxBlobBytes: config.registry.maxBlobBytes, node: config.nodeId || hostname() };
  await store.uploads.releaseHeldBy(leaseHolderPrefix(uploadOptions.node));
  const pullExclusions = new PullExclusionCache(store);
  return {
    ...kms,
    config,
    store,
    blobStore,
    blobForms,
    formats,
    layerUrlKey,
    uploadOptions,
    pullExclusions,
    pushListeners: [],
    ...(log && { log }),
  };
}
