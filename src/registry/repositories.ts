// Repositories as the ECR API manages them: created with their settings and tags, described
// (by name or page by page), deleted (with their images only when forced), tag mutability changed.
import { Actions } from '../domain/actions.js';
import { ManagementError } from '../domain/management-errors.js';
import { validateTags, type ResourceTag } from '../domain/resource-tags.js';
import { tagMutability, type ImageTagMutability, type TagMutabilityFilter } from '../domain/tag-mutability.js';
import type { EncryptionType, Repository } from '../domain/records/repositories.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { MetadataStore } from '../metadata/store.js';
import { repositoryNotFound, type RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import type { RepositoryKeyGrants, RepositoryKeys } from '../domain/key-wrapping.js';
import { registryKey } from '../metadata/registry-key.js';

export interface CreateRepositoryRequest {
  name: string;
  tags?: ResourceTag[];
  imageTagMutability?: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: TagMutabilityFilter[];
  scanOnPush?: boolean;
  encryption?: { encryptionType: EncryptionType; kmsKey?: string };
}

export interface RepositoryPage {
  repositories: Repository[];
  /** The name to continue after, when there may be more. */
  last?: string;
}

/** What deleting a repository asks of its deletion protection (deletion-protection.ts): refuses when protected. */
export interface RepositoryDeletionGuard {
  checkRepository(repository: Repository): Promise<void>;
}

/** What deleting a repository asks of its uploads: their bytes go with it (upload-expiry.ts). */
export interface RepositoryUploads {
  removingUploads(repositoryId: string, remove: () => Promise<boolean>): Promise<boolean>;
}

export class RepositoryService {
  constructor(
    private readonly store: Pick<MetadataStore, 'repositories'>,
    private readonly access: RepositoryAccess,
    private readonly keys: RepositoryKeys,
    private readonly grants: RepositoryKeyGrants,
    private readonly uploads: RepositoryUploads,
    private readonly protection?: RepositoryDeletionGuard,
    /** The outbox rows of a repository created or deleted through the API, written in its transaction. */
    private readonly events?: (
      ctx: RequestContext,
      call: 'CreateRepository' | 'DeleteRepository',
      repository: Pick<Repository, 'accountId' | 'name'>,
    ) => Promise<EventDeliveryInput[]>,
  ) {}

  async create(ctx: RequestContext, request: CreateRepositoryRequest): Promise<Repository> {
    const { name } = request;
    await this.access.authorize(ctx, name, Actions.CreateRepository);
    const tags = validateTags(request.tags ?? []);
    // Tagging on creation needs the right to tag, as ECR asks.
    if (tags.length > 0) await this.access.authorize(ctx, name, Actions.TagResource);
    const mutability = tagMutability(
      request.imageTagMutability ?? 'MUTABLE',
      request.imageTagMutabilityExclusionFilters,
    );
    const encryptionType = request.encryption?.encryptionType ?? 'AES256';
    const kmsKey = request.encryption?.kmsKey;
    if (kmsKey !== undefined && encryptionType === 'AES256') {
      throw new ManagementError(
        'INVALID_PARAMETER',
        'a kmsKey can only be given with the KMS or KMS_DSSE encryption type',
      );
    }
    // A KMS repository wraps its data keys with the key named (which must exist, be enabled and
    // usable by the creator, as its policy says), or with the account's default ECR key; it is
    // kept by ARN, fixed from now on. ECR adds a grant on the key for itself, as ECR does.
    const key =
      encryptionType === 'AES256'
        ? undefined
        : await this.keys.forRepository(
            { principal: ctx.principal, accountId: ctx.registry.accountId, ...(ctx.facts && { facts: ctx.facts }) },
            kmsKey,
          );
    const accountId = registryKey(ctx.registry);
    const events = (await this.events?.(ctx, 'CreateRepository', { accountId, name })) ?? [];
    const repository = await this.store.repositories.create(
      accountId,
      name,
      {
        ...mutability,
        scanOnPush: request.scanOnPush ?? false,
        encryptionType,
        kmsKey: key?.arn ?? null,
      },
      { resourceArn: this.access.repositoryArn(ctx.registry, name), tags },
      events,
    );
    if (!repository) {
      throw new ManagementError(
        'REPOSITORY_ALREADY_EXISTS',
        `The repository with name '${name}' already exists in the registry with id '${ctx.registry.accountId}'`,
      );
    }
    if (key) await this.grants.grantToEcr(repository, key);
    return repository;
  }

  /** The named repositories, in the order asked; each must exist. */
  async describeNamed(ctx: RequestContext, names: string[]): Promise<Repository[]> {
    const repositories: Repository[] = [];
    for (const name of new Set(names))
      repositories.push(await this.access.existing(ctx, name, Actions.DescribeRepositories));
    return repositories;
  }

  /** One page of the registry's repositories in byte order of name, after `last`. */
  async describePage(ctx: RequestContext, page: { last?: string; limit: number }): Promise<RepositoryPage> {
    await this.access.authorizeAll(ctx, Actions.DescribeRepositories);
    const rows = await this.store.repositories.describe(
      registryKey(ctx.registry),
      page.last === undefined ? { limit: page.limit + 1 } : { last: page.last, limit: page.limit + 1 },
    );
    if (rows.length <= page.limit) return { repositories: rows };
    const repositories = rows.slice(0, page.limit);
    return { repositories, last: repositories[repositories.length - 1]!.name };
  }

  /** A page of repositories by creation time (the console's sorted list), after the keyset `after`. */
  async describeByCreation(
    ctx: RequestContext,
    page: { after?: { createdAt: number; name: string }; limit: number; oldestFirst?: boolean },
  ): Promise<{ repositories: Repository[]; after?: { createdAt: number; name: string } }> {
    await this.access.authorizeAll(ctx, Actions.DescribeRepositories);
    const rows = await this.store.repositories.describeByCreation(registryKey(ctx.registry), {
      ...page,
      limit: page.limit + 1,
    });
    if (rows.length <= page.limit) return { repositories: rows };
    const repositories = rows.slice(0, page.limit);
    const last = repositories[repositories.length - 1]!;
    return { repositories, after: { createdAt: last.createdAt, name: last.name } };
  }

  /** Deletes the repository; one with images only when `force` (its images go with it). */
  async delete(ctx: RequestContext, name: string, force: boolean): Promise<Repository> {
    const repository = await this.access.existing(ctx, name, Actions.DeleteRepository);
    await this.protection?.checkRepository(repository);
    const events = (await this.events?.(ctx, 'DeleteRepository', repository)) ?? [];
    const deleted = await this.uploads.removingUploads(repository.id, () =>
      this.store.repositories.delete(repository.id, {
        ifEmpty: !force,
        resourceArn: this.access.repositoryArn(ctx.registry, name),
        events,
      }),
    );
    if (deleted) {
      this.access.forget(ctx.registry, name);
      await this.grants.retireEcrGrant(repository);
      return repository;
    }
    if (!force && (await this.store.repositories.get(registryKey(ctx.registry), name))?.id === repository.id) {
      throw new ManagementError(
        'REPOSITORY_NOT_EMPTY',
        `The repository with name '${name}' in registry with id '${ctx.registry.accountId}' cannot be deleted because it still contains images`,
      );
    }
    throw repositoryNotFound(ctx.registry.accountId, name);
  }

  async putTagMutability(
    ctx: RequestContext,
    name: string,
    mutability: ImageTagMutability,
    filters: TagMutabilityFilter[] | undefined,
  ): Promise<Repository> {
    const repository = await this.access.existing(ctx, name, Actions.PutImageTagMutability);
    const updated = await this.store.repositories.setTagMutability(repository.id, tagMutability(mutability, filters));
    if (!updated) throw repositoryNotFound(ctx.registry.accountId, name);
    return updated;
  }
}
