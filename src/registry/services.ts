// The registry's services, as the http layer receives them.
import type { AccountService } from './account.js';
import type { BlobService } from './blobs.js';
import type { CreationTemplateService } from './creation-templates.js';
import type { DeletionProtections } from './deletion-protection.js';
import type { ImageService } from './images.js';
import type { LayerPartService } from './layer-parts.js';
import type { LayerUrlService } from './layer-urls.js';
import type { LifecycleService } from './lifecycle.js';
import type { ListingService } from './listings.js';
import type { ManifestService } from './manifests.js';
import type { PolicyService } from './policies.js';
import type { PullTimeExclusions } from './pull-exclusions.js';
import type { PullThroughCache } from './pull-through.js';
import type { ReplicationService } from './replication.js';
import type { RepositoryService } from './repositories.js';
import type { ResourceTagService } from './resource-tags.js';
import type { SignatureGate } from './signature-gate.js';
import type { SigningConfigurations } from './signing-configuration.js';
import type { Trash } from './trash.js';
import type { StorageClassService } from './storage-classes.js';
import type { UploadExpiry } from './upload-expiry.js';
import type { UploadService } from './uploads.js';

export interface RegistryServices {
  blobs: BlobService;
  uploads: UploadService;
  /** ECR's layer parts (UploadLayerPart, CompleteLayerUpload) over the same uploads. */
  layerParts: LayerPartService;
  /** Removes abandoned uploads, and a deleted repository's. */
  uploadExpiry: UploadExpiry;
  manifests: ManifestService;
  listings: ListingService;
  images: ImageService;
  layerUrls: LayerUrlService;
  repositories: RepositoryService;
  resourceTags: ResourceTagService;
  account: AccountService;
  policies: PolicyService;
  /** ECR's repository creation templates (the private registry's; RepositoryCreation applies them). */
  creationTemplates: CreationTemplateService;
  /** Deletion protection: refuses deletions of protected images and repositories; a lifecycle retention guard. */
  protections: DeletionProtections;
  /** Deleted images, restorable for a window; a garbage collection root source. */
  trash: Trash;
  /** ECR's storage classes (UpdateImageStorageClass); also the ImageArchiver lifecycle transitions call. */
  storageClasses: StorageClassService;
  /** Lifecycle policies, their previews and runs. */
  lifecycle: LifecycleService;
  /** ECR's replication: the configuration, what pushes enqueue, and the images' replication statuses. */
  replication: ReplicationService;
  /** Principals whose pulls leave the last recorded pull time alone. */
  pullExclusions: PullTimeExclusions;
  /** The pull-through cache (the private registry's, when wired): pulls of cached repositories go through it. */
  pullThrough?: PullThroughCache;
  /** ECR managed signing's configuration and images' signing statuses. */
  signing: SigningConfigurations;
  /** Pull-time signature requirements (Berth's): refuses pulls of images without a valid signature. */
  signatureGate: SignatureGate;
}
