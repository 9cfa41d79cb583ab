// The records of the repository creation template index (metadata/store-creation-templates.ts):
// the settings Berth gives a repository it creates by itself, by the prefix of its name.
import type { ResourceTag } from '../resource-tags.js';
import type { TagMutability } from '../tag-mutability.js';
import type { EncryptionType } from './repositories.js';

/** The prefix of the template for repositories that match no other template's prefix. */
export const ROOT_PREFIX = 'ROOT';

/** Why Berth creates a repository by itself (ECR's RCTAppliedFor). */
export const CREATION_REASONS = ['REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'] as const;
export type CreationReason = (typeof CREATION_REASONS)[number];

/** What a template gives a repository, and when it applies. */
export interface CreationTemplateSettings extends TagMutability {
  description: string | null;
  encryptionType: EncryptionType;
  /** The KMS key (an ARN) for KMS and KMS_DSSE; null for the account's default ECR key. */
  kmsKey: string | null;
  resourceTags: ResourceTag[];
  repositoryPolicy: string | null;
  lifecyclePolicy: string | null;
  appliedFor: CreationReason[];
  customRoleArn: string | null;
}

export interface CreationTemplate extends CreationTemplateSettings {
  accountId: string;
  /** A repository namespace (`prod/team`, no trailing slash) or ROOT. */
  prefix: string;
  createdAt: number;
  updatedAt: number;
}
