// The registry's services (blobs, uploads, manifests, listings, images, …), built by one function
// for each way of reaching repositories: the private registry's access, and the public one's.
import type { RepositoryAccess } from '../registry/access.js';
import { AccountService } from '../registry/account.js';
import { BlobService } from '../registry/blobs.js';
import { CreationTemplateService } from '../registry/creation-templates.js';
import { DeletionProtections } from '../registry/deletion-protection.js';
import { ImageService } from '../registry/images.js';
import { LayerPartService } from '../registry/layer-parts.js';
import { LayerUrlService } from '../registry/layer-urls.js';
import { ListingService } from '../registry/listings.js';
import { ImageRemoval } from '../registry/image-removal.js';
import { arnPatterns } from '../registry/in-use-retention.js';
import { LifecycleService } from '../registry/lifecycle.js';
import type { LifecycleLog } from '../registry/lifecycle-runner.js';
import { PullTimeExclusions } from '../registry/pull-exclusions.js';
import { ManifestService } from '../registry/manifests.js';
import { BlobMounts } from '../registry/mounts.js';
import { PolicyService } from '../registry/policies.js';
import { ReplicationService } from '../registry/replication.js';
import { bytesOf } from '../registry/replication-copy.js';
import { SignatureGate } from '../registry/signature-gate.js';
import { signingsFor } from '../registry/image-signer.js';
import { SigningConfigurations } from '../registry/signing-configuration.js';
import { registryOfKey } from '../metadata/registry-key.js';
import { RepositoryService } from '../registry/repositories.js';
import { ResourceTagService } from '../registry/resource-tags.js';
import { Trash } from '../registry/trash.js';
import { StorageClassService } from '../registry/storage-classes.js';
import type { RegistryServices } from '../registry/services.js';
import { UploadCompletion } from '../registry/upload-completion.js';
import { UploadExpiry } from '../registry/upload-expiry.js';
import { UploadSessions } from '../registry/upload-sessions.js';
import { UploadService } from '../registry/uploads.js';
import type { RegistryParts } from './registry-parts.js';
import type { TransferMeter } from '../domain/transfer-meter.js';
import { lifecycleRunner } from './lifecycle.js';
import { RegistryEvents } from '../registry/image-events.js';

export type { RegistryParts } from './registry-parts.js';

/**
 * The registry's services on the repositories `access` reaches. Each service is bound to its
 * access when built, so the private registry and the public one each get their own set, both
 * made here from the same parts.
 */
export function registryServices(
  parts: RegistryParts,
  access: RepositoryAccess,
  extras: { log?: LifecycleLog; meter?: TransferMeter } = {},
): RegistryServices {
  const { config, store, blobStore, dataKeys, blobForms, formats, keyService, grantService, layerUrlKey } = parts;
  const { pullExclusions } = parts;
  const blobs = new BlobService(store, blobStore, access, dataKeys, extras.meter);
  const protections = new DeletionProtections(store);
  const trash = new Trash(store, config.registry.trashDays);
  // Each change's events are outbox rows written in the change's own transaction.
  const events = parts.eventOutbox && new RegistryEvents(parts.eventOutbox);
  const removal = new ImageRemoval(store, formats, {
    protections,
    trash,
    ...(events && { events: (repository, digest, actor, tags) => events.removal(repository, digest, actor, tags) }),
  });
  const storageClasses = new StorageClassService(store, blobStore, access, {
    node: parts.uploadOptions.node,
    onError: (err, move) =>
      parts.log?.error(
        { err, repositoryId: move.repositoryId, digest: move.digest, target: move.target },
        'moving an image between storage classes failed',
      ),
    onMoved: (move) =>
      parts.log?.info(
        {
          repositoryId: move.repositoryId,
          digest: move.digest,
          target: move.target,
          blobs: move.blobsDone,
          bytes: move.bytesDone,
        },
        'moved an image between storage classes',
      ),
  });
  const isRuntime = arnPatterns(config.lifecycle.runtimePrincipals);
  // Pull-time signature requirements read the manifests and bundles they verify without a caller.
  const signatureGate = new SignatureGate(store, keyService, {
    manifest: (repository, record) => formats.read(repository, record),
    blob: async (repository, digest) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of bytesOf(await blobs.openLinked(repository.id, digest))) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
  });
  // Built after the images it reads; pushes reach it through this late binding.
  let replication: ReplicationService | undefined;
  const manifests = new ManifestService(store, access, formats, removal, {
    maxManifestBytes: config.registry.maxManifestBytes,
    lookupCacheEntries: config.registry.manifestLookupCacheEntries,
    replications: async (ctx, repository, digest, tags) => {
      const registry = registryOfKey(repository.accountId);
      const tasks =
        registry.visibility !== 'private' || ctx.replica || !replication
          ? []
          : await replication.tasksForPush(registry.accountId, repository.name, digest, tags);
      return { tasks, enqueue: (more) => replication?.enqueue(more) ?? Promise.resolve() };
    },
    stored: (repositoryId, digest, blobs) => storageClasses.adopt(repositoryId, digest, blobs),
    pushListeners: parts.pushListeners,
    signings: (repository, record) => signingsFor(store, repository, record),
    ...(events && { events: (repository, record, tags) => events.pushed(repository, record, tags) }),
    ...(extras.meter && { meter: extras.meter }),
    onListenerError: (listener, err) => parts.log?.error({ err, listener }, 'a push listener failed'),
    pullGate: signatureGate,
    pullPrincipals: {
      lifecycle: store.lifecycle,
      excludes: (accountId, arn) => pullExclusions.excludes(accountId, arn),
      isRuntime,
    },
  });
  const runner = lifecycleRunner(config, store, removal, pullExclusions, {
    ...extras,
    guards: [protections],
    archiver: storageClasses,
  });
  // The upload services share one set of sessions: the same leases and running hashes.
  const sessions = new UploadSessions(store, blobStore, dataKeys, blobForms, parts.uploadOptions);
  const completion = new UploadCompletion(store, blobStore, dataKeys, blobForms, sessions);
  const mounts = new BlobMounts(store, access, blobForms);
  const uploads = new UploadService(store, blobStore, access, blobForms, sessions, completion, mounts);
  const uploadExpiry = new UploadExpiry(store, blobStore, sessions);
  const policies = new PolicyService(store, access);
  const images = new ImageService(store, access, manifests, removal);
  replication = new ReplicationService(store, access, {
    region: config.registry.region,
    peerRegions: config.replication.peers.map((p) => p.region),
    tagFilters: config.replication.tagFilters,
  });
  return {
    blobs,
    uploads,
    layerParts: new LayerPartService(store, blobStore, access, uploads, sessions, completion),
    uploadExpiry,
    manifests,
    listings: new ListingService(store, access),
    images,
    replication,
    layerUrls: new LayerUrlService(store, blobs, access, layerUrlKey),
    repositories: new RepositoryService(
      store,
      access,
      keyService,
      grantService,
      uploadExpiry,
      protections,
      events && ((ctx, call, repository) => events.repositoryCall(ctx, call, repository)),
    ),
    resourceTags: new ResourceTagService(store, access),
    account: new AccountService(store, access, replication),
    policies,
    creationTemplates: new CreationTemplateService(store, access, keyService, policies),
    protections,
    trash,
    storageClasses,
    lifecycle: new LifecycleService(store, access, runner),
    pullExclusions: new PullTimeExclusions(store, access, pullExclusions),
    signing: new SigningConfigurations(store, access, keyService),
    signatureGate,
  };
}
