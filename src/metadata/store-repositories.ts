// The repository index of the metadata port: repositories with their creation settings, and the
// page of a name listing that the other listings share too. Adapter: kysely-repositories.ts.
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { Repository, RepositorySettings } from '../domain/records/repositories.js';
import type { ResourceTag } from '../domain/resource-tags.js';
import type { TagMutability } from '../domain/tag-mutability.js';

export interface Page {
  /** Return names strictly after this one. */
  last?: string;
  /** At most this many. */
  limit: number;
}

export interface RepositoryIndex {
  get(accountId: string, name: string): Promise<Repository | undefined>;
  getById(id: string): Promise<Repository | undefined>;
  /** Creates the repository, or returns it when it exists already (concurrent creators agree). */
  ensure(accountId: string, name: string): Promise<Repository>;
  /**
   * Creates the repository with its settings and resource tags (under `resourceArn`, replacing
   * any left there) in one step, with `events` (its outbox rows) in the same transaction;
   * undefined when the name is taken (and nothing changes, nothing is written).
   */
  create(
    accountId: string,
    name: string,
    settings: RepositorySettings,
    tags?: { resourceArn: string; tags: ResourceTag[] },
    events?: EventDeliveryInput[],
  ): Promise<Repository | undefined>;
  /** Names in byte order. */
  list(accountId: string, page: Page): Promise<string[]>;
  /** Whole repositories in byte order of name. */
  describe(accountId: string, page: Page): Promise<Repository[]>;
  /**
   * Whole repositories by creation time, newest first (oldest first with `oldestFirst`), equal
   * times in byte order of name; strictly after the keyset `after` (the console's sorted list).
   */
  describeByCreation(
    accountId: string,
    page: { after?: { createdAt: number; name: string }; limit: number; oldestFirst?: boolean },
  ): Promise<Repository[]>;
  /** The repository with its new tag mutability, or undefined when it does not exist. */
  setTagMutability(id: string, mutability: TagMutability): Promise<Repository | undefined>;
  /** The repository with its new scan-on-push flag (PutImageScanningConfiguration), or undefined when it does not exist. */
  setScanOnPush(id: string, scanOnPush: boolean): Promise<Repository | undefined>;
  /**
   * Deletes the repository with everything in it (links, manifests, tags, uploads) and the
   * resource tags under `resourceArn`. False when it does not exist, or with `ifEmpty` when it
   * still holds a manifest (then nothing changes). `events` (the deletion's outbox rows) are
   * written in the same transaction, only when it deletes.
   */
  delete(
    id: string,
    options?: { ifEmpty?: boolean; resourceArn?: string; events?: EventDeliveryInput[] },
  ): Promise<boolean>;
}
