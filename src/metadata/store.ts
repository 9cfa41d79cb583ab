// The metadata port: repositories, blob links, manifests, tags, upload sessions and what the
// ECR, IAM and KMS faces keep. One file per index (store-*.ts, each beside its kysely-*.ts
// adapter), re-exported here; the records they return are the shared vocabulary's
// (domain/records/). Every adapter (sqlite, postgres) passes store-suite.ts.
import type { BlobKeyIndex } from './store-blob-keys.js';
import type { BlobIndex } from './store-blobs.js';
import type { ConversionIndex } from './store-conversions.js';
import type { IdentityIndex } from './store-identities.js';
import type { GcIndex } from './store-gc.js';
import type { ImageIndex } from './store-images.js';
import type { JobIndex } from './store-jobs.js';
import type { KmsIndex } from './store-kms.js';
import type { ManifestIndex, TagIndex } from './store-manifests.js';
import type { PolicyIndex } from './store-policies.js';
import type { PublicIndex, RateWindowIndex } from './store-public.js';
import type { RepositoryIndex } from './store-repositories.js';
import type { AccountSettingIndex, ResourceTagIndex } from './store-resource-tags.js';
import type { OidcProviderIndex, RoleIndex } from './store-roles.js';
import type { SettingsIndex } from './store-settings.js';
import type { UploadIndex } from './store-uploads.js';

export type * from './store-blob-keys.js';
export type * from './store-blobs.js';
export type * from './store-conversions.js';
export type * from './store-identities.js';
export type * from './store-gc.js';
export type * from './store-images.js';
export type * from './store-jobs.js';
export type * from './store-kms.js';
export type * from './store-manifests.js';
export type * from './store-policies.js';
export type * from './store-public.js';
export type * from './store-repositories.js';
export type * from './store-resource-tags.js';
export type * from './store-roles.js';
export type * from './store-settings.js';
export type * from './store-uploads.js';

export interface MetadataStore {
  readonly publicRegistry: PublicIndex;
  readonly rateWindows: RateWindowIndex;
  readonly blobKeys: BlobKeyIndex;
  readonly kms: KmsIndex;
  readonly backend: string;
  readonly repositories: RepositoryIndex;
  readonly blobs: BlobIndex;
  readonly manifests: ManifestIndex;
  readonly conversions: ConversionIndex;
  readonly tags: TagIndex;
  readonly images: ImageIndex;
  readonly uploads: UploadIndex;
  readonly settings: SettingsIndex;
  readonly resourceTags: ResourceTagIndex;
  readonly accountSettings: AccountSettingIndex;
  readonly jobs: JobIndex;
  readonly identities: IdentityIndex;
  readonly policies: PolicyIndex;
  readonly roles: RoleIndex;
  readonly oidcProviders: OidcProviderIndex;
  /** Garbage collection: unreferenced content, deletion marks, totals freed. */
  readonly gc: GcIndex;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
