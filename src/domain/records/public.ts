// The records of the public registry index (metadata/store-public.ts): what ECR Public keeps beyond
// ordinary repositories.
import type { Repository } from './repositories.js';

/** A public repository's catalog data (ECR Public's RepositoryCatalogData, with the logo's bytes). */
export interface RepositoryCatalog {
  description: string | null;
  aboutText: string | null;
  usageText: string | null;
  architectures: string[];
  operatingSystems: string[];
  logo: { mediaType: string; data: Buffer } | null;
}

export type AliasStatus = 'ACTIVE' | 'PENDING' | 'REJECTED';

export interface RegistryAlias {
  name: string;
  accountId: string;
  status: AliasStatus;
  primary: boolean;
  default: boolean;
  createdAt: number;
}

export interface PublicRegistry {
  accountId: string;
  displayName: string;
  createdAt: number;
}

/** A public repository found by a search, with its catalog data (empty when it has none). */
export interface PublicRepositoryEntry {
  repository: Repository;
  catalog: RepositoryCatalog;
  /** When its newest image was pushed (null before the first); given by search. */
  lastPushedAt?: number | null;
}
