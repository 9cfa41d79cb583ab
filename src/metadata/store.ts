// The metadata port: repositories, blob links, manifests, tags, upload sessions and what the
// ECR, IAM and KMS faces keep. One file per index (store-*.ts, each beside its kysely-*.ts
// adapter), re-exported here; the records they return are the shared vocabulary's
// (domain/records/). Every adapter (sqlite, postgres) passes store-suite.ts.
import type { ArchiveIndex } from './store-archive.js';
import type { ChangeFeed } from './change-epoch.js';
import type { BlobKeyIndex } from './store-blob-keys.js';
import type { BlobIndex } from './store-blobs.js';
import type { ConsoleIndex } from './store-console.js';
import type { ConversionIndex } from './store-conversions.js';
import type { CreationTemplateIndex } from './store-creation-templates.js';
import type { IdentityIndex } from './store-identities.js';
import type { GcIndex } from './store-gc.js';
import type { ImageIndex } from './store-images.js';
import type { JobIndex } from './store-jobs.js';
import type { LifecycleIndex } from './store-lifecycle.js';
import type { LockIndex } from './store-locks.js';
import type { KmsIndex } from './store-kms.js';
import type { ManifestIndex, TagIndex } from './store-manifests.js';
import type { MeteringIndex } from './store-metering.js';
import type { PolicyIndex } from './store-policies.js';
import type { ProtectionIndex } from './store-protection.js';
import type { PublicIndex, RateWindowIndex } from './store-public.js';
import type { PullThroughIndex } from './store-pull-through.js';
import type { ReplicationIndex } from './store-replication.js';
import type { EventIndex } from './store-events.js';
import type { ScanningIndex } from './store-scanning.js';
import type { RepositoryIndex } from './store-repositories.js';
import type { AccountSettingIndex, ResourceTagIndex } from './store-resource-tags.js';
import type { OidcProviderIndex, RoleIndex } from './store-roles.js';
import type { SecretIndex } from './store-secrets.js';
import type { AuditIndex } from './store-audit.js';
import type { OperationsIndex } from './store-operations.js';
import type { SettingsIndex } from './store-settings.js';
import type { SigningIndex } from './store-signing.js';
import type { TrashIndex } from './store-trash.js';
import type { UploadIndex } from './store-uploads.js';

export type * from './store-archive.js';
export type * from './store-blob-keys.js';
export type * from './store-blobs.js';
export type * from './store-console.js';
export type * from './store-conversions.js';
export type * from './store-creation-templates.js';
export type * from './store-identities.js';
export type * from './store-gc.js';
export type * from './store-images.js';
export type * from './store-jobs.js';
export type * from './store-lifecycle.js';
export type * from './store-locks.js';
export type * from './store-kms.js';
export type * from './store-manifests.js';
export type * from './store-metering.js';
export type * from './store-policies.js';
export type * from './store-protection.js';
export type * from './store-public.js';
export type * from './store-replication.js';
export type * from './store-events.js';
export type * from './store-scanning.js';
export type * from './store-repositories.js';
export type * from './store-resource-tags.js';
export type * from './store-roles.js';
export type * from './store-secrets.js';
export type * from './store-pull-through.js';
export type * from './store-audit.js';
export type * from './store-operations.js';
export type * from './store-settings.js';
export type * from './store-signing.js';
export type * from './store-trash.js';
export type * from './store-uploads.js';
export type { ChangeFeed } from './change-epoch.js';

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
  /** Images' storage classes (ECR's archive) and the moves of their layers. */
  readonly archive: ArchiveIndex;
  readonly uploads: UploadIndex;
  readonly settings: SettingsIndex;
  readonly resourceTags: ResourceTagIndex;
  readonly accountSettings: AccountSettingIndex;
  readonly jobs: JobIndex;
  readonly lifecycle: LifecycleIndex;
  readonly identities: IdentityIndex;
  readonly policies: PolicyIndex;
  readonly creationTemplates: CreationTemplateIndex;
  readonly roles: RoleIndex;
  readonly oidcProviders: OidcProviderIndex;
  readonly protections: ProtectionIndex;
  readonly trash: TrashIndex;
  /** Garbage collection: unreferenced content, deletion marks, totals freed. */
  readonly gc: GcIndex;
  /** Secrets Manager's secrets and their versions. */
  readonly secrets: SecretIndex;
  /** ECR's replication configuration and the outbox of image replications. */
  readonly replication: ReplicationIndex;
  /** EventBridge-shaped rules, their webhook targets, and the outbox of event deliveries. */
  readonly events: EventIndex;
  /** The console's login profiles, password policies, sessions and sign-in throttle. */
  readonly console: ConsoleIndex;
  /** ECR's pull-through cache rules, cached tags' checks, upstream fetch leases. */
  readonly pullThrough: PullThroughIndex;
  /** Metering: transfer-out counts and storage samples. */
  readonly metering: MeteringIndex;
  /** Managed signing: configurations, images' signing statuses, pull-time signature requirements. */
  readonly signing: SigningIndex;
  /** Image scanning: configurations, scans and their findings, imported advisories. */
  readonly scanning: ScanningIndex;
  /** The audit trail's CloudTrail events. */
  readonly audit: AuditIndex;
  /** What waits in the database (the metrics' gauges). */
  readonly operations: OperationsIndex;
  /** Named locks that hold across every node sharing the database. */
  readonly locks: LockIndex;
  /** Changes to the tags, manifests and repositories (what a cache of pulls' reads checks). */
  readonly changes: ChangeFeed;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
