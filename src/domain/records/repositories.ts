// The records of the repository index (metadata/store-repositories.ts): repositories with their
// creation settings.
import type { TagMutability } from '../tag-mutability.js';

export type EncryptionType = 'AES256' | 'KMS' | 'KMS_DSSE';

/** What a repository is created with; the tag mutability may change later, the rest may not. */
export interface RepositorySettings extends TagMutability {
  scanOnPush: boolean;
  encryptionType: EncryptionType;
  /** The KMS key named at creation (KMS and KMS_DSSE only). */
  kmsKey: string | null;
}

export interface Repository extends RepositorySettings {
  id: string;
  accountId: string;
  name: string;
  createdAt: number;
}
