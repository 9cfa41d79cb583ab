// The public registry and rate window indexes of the metadata port: what ECR Public keeps
// beyond ordinary repositories, and request counters shared by every node. Adapter: kysely-public.ts.
import type {
  AliasStatus,
  PublicRegistry,
  PublicRepositoryEntry,
  RegistryAlias,
  RepositoryCatalog,
} from '../domain/records/public.js';

/** What public repositories and registries keep beyond ordinary repositories (ECR Public). */
export interface PublicIndex {
  catalog(repositoryId: string): Promise<RepositoryCatalog | undefined>;
  putCatalog(repositoryId: string, accountId: string, catalog: RepositoryCatalog): Promise<void>;
  registry(accountId: string): Promise<PublicRegistry | undefined>;
  /**
   * The account's public registry, made with `defaultAlias` (ACTIVE, default and primary) when
   * it has none; concurrent callers agree on one. Throws when `defaultAlias` is taken.
   */
  ensureRegistry(accountId: string, defaultAlias: string, at: number): Promise<PublicRegistry>;
  setDisplayName(accountId: string, displayName: string): Promise<boolean>;
  alias(name: string): Promise<RegistryAlias | undefined>;
  /** The account's aliases, default first. */
  aliases(accountId: string): Promise<RegistryAlias[]>;
  /** Every alias (of one status), oldest first. */
  allAliases(status?: AliasStatus): Promise<RegistryAlias[]>;
  /** Records a PENDING alias; false when the name is taken (by anyone). */
  requestAlias(accountId: string, name: string, at: number): Promise<boolean>;
  /**
   * Approves a PENDING alias (it becomes ACTIVE and the account's primary) or rejects it;
   * undefined when no such alias is pending.
   */
  decideAlias(name: string, approve: boolean): Promise<RegistryAlias | undefined>;
  /**
   * Public repositories (of one account, when given) whose name or catalog data contain every
   * term, case-insensitively, newest first; their logos with the media type only (empty data),
   * and when each was last pushed to.
   */
  search(terms: string[], options: { accountId?: string; limit: number }): Promise<PublicRepositoryEntry[]>;
}

/** Request counters in fixed windows, shared by every node. */
export interface RateWindowIndex {
  /** Counts one request for `key` in the window starting at `windowStart`; the count after it. */
  hit(key: string, windowStart: number): Promise<number>;
  /** Forgets windows that started before `before`. */
  prune(before: number): Promise<number>;
}
