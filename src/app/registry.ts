// The registry's services (blobs, uploads, manifests, listings, images, …), built by one function
// for each way of reaching repositories: the private registry's access, and the public one's.
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { parsePlatform } from '../domain/conversions/negotiate.js';
import { lazyManifestSigningKey } from '../keys/manifest-signing-key.js';
import { SECRETS } from '../keys/secrets.js';
import { loadSharedSecret } from '../keys/shared-secret.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from '../registry/access.js';
import { AccountService } from '../registry/account.js';
import { BlobForms } from '../registry/blob-forms.js';
import { BlobService } from '../registry/blobs.js';
import { ContentCache } from '../registry/content-cache.js';
import { ImageService } from '../registry/images.js';
import { LayerPartService } from '../registry/layer-parts.js';
import { LayerUrlService } from '../registry/layer-urls.js';
import { ListingService } from '../registry/listings.js';
import { ManifestFormats } from '../registry/manifest-formats.js';
import { ManifestService } from '../registry/manifests.js';
import { BlobMounts } from '../registry/mounts.js';
import { PolicyService } from '../registry/policies.js';
import { RepositoryService } from '../registry/repositories.js';
import { ResourceTagService } from '../registry/resource-tags.js';
import type { RegistryServices } from '../registry/services.js';
import { UploadCompletion } from '../registry/upload-completion.js';
import { UploadExpiry } from '../registry/upload-expiry.js';
import { leaseHolderPrefix } from '../registry/upload-lock.js';
import { UploadSessions } from '../registry/upload-sessions.js';
import { UploadService } from '../registry/uploads.js';
import { BlobStore } from '../storage/blob-store.js';
import type { StorageDriver } from '../storage/driver.js';
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
}

export async function registryParts(
  config: Config,
  deployment: Deployment,
  driver: StorageDriver,
  kms: KmsWiring,
): Promise<RegistryParts> {
  const { store } = deployment;
  const { dataKeys } = kms;
  const blobStore = new BlobStore(
    driver,
    config.storage.s3.redirect ? { redirectSeconds: config.storage.s3.redirectExpirySeconds } : {},
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
  return { ...kms, config, store, blobStore, blobForms, formats, layerUrlKey, uploadOptions };
}

/**
 * The registry's services on the repositories `access` reaches. Each service is bound to its
 * access when built, so the private registry and the public one each get their own set, both
 * made here from the same parts.
 */
export function registryServices(parts: RegistryParts, access: RepositoryAccess): RegistryServices {
  const { config, store, blobStore, dataKeys, blobForms, formats, keyService, grantService, layerUrlKey } = parts;
  const blobs = new BlobService(store, blobStore, access, dataKeys);
  const manifests = new ManifestService(store, access, formats, { maxManifestBytes: config.registry.maxManifestBytes });
  // The upload services share one set of sessions: the same leases and running hashes.
  const sessions = new UploadSessions(store, blobStore, dataKeys, blobForms, parts.uploadOptions);
  const completion = new UploadCompletion(store, blobStore, dataKeys, blobForms, sessions);
  const mounts = new BlobMounts(store, access, blobForms);
  const uploads = new UploadService(store, blobStore, access, blobForms, sessions, completion, mounts);
  const uploadExpiry = new UploadExpiry(store, blobStore, sessions);
  return {
    blobs,
    uploads,
    layerParts: new LayerPartService(store, blobStore, access, uploads, sessions, completion),
    uploadExpiry,
    manifests,
    listings: new ListingService(store, access),
    images: new ImageService(store, access, manifests),
    layerUrls: new LayerUrlService(store, blobs, access, layerUrlKey),
    repositories: new RepositoryService(store, access, keyService, grantService, uploadExpiry),
    resourceTags: new ResourceTagService(store, access),
    account: new AccountService(store, access),
    policies: new PolicyService(store, access),
  };
}
