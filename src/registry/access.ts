// Resolves a repository for an operation: the one place that authorizes registry operations
// and turns a name into a repository (or NAME_UNKNOWN, or a new repository on push).
import type { Action } from '../domain/actions.js';
import { Actions, publicActionOf } from '../domain/actions.js';
import { RegistryError } from '../domain/errors.js';
import { assertRepositoryName } from '../domain/names.js';
import type { Authorizer } from '../domain/authorizer.js';
import {
  parseRepositoryArn,
  registryArn,
  repositoryArn,
  type RegistryRef,
  type RegistryVisibility,
} from '../domain/registry.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import type { RepositoryCreator } from '../domain/repository-creation.js';

/** NAME_UNKNOWN, in the words ECR uses on both of its faces. */
export function repositoryNotFound(accountId: string, name: string): RegistryError {
  return new RegistryError(
    'NAME_UNKNOWN',
    `The repository with name '${name}' does not exist in the registry with id '${accountId}'`,
    { name },
  );
}

export interface AccessOptions {
  region: string;
  createRepositoryOnPush: boolean;
  /**
   * The registries whose repositories a bare ARN may name through this access (TagResource and
   * the like, whose context is the caller's): private by default, public for ECR Public's services.
   */
  visibility?: RegistryVisibility;
  /** Creates a repository a push names (with the creation templates); without it, one with ECR's defaults. */
  creator?: RepositoryCreator;
}

/** Reads of content, the hot path of pulls: they need only the repository's id. */
const READS: ReadonlySet<Action> = new Set([
  Actions.BatchGetImage,
  Actions.GetDownloadUrlForLayer,
  Actions.BatchCheckLayerAvailability,
]);
export const REPOSITORY_CACHE_MS = 5_000;

/**
 * What a replication from a peer deployment (ctx.replication) writes with and checks blobs with:
 * authorized as ecr:ReplicateImage, which the destination's registry policy grants the source
 * account (reads of content and deletions keep their own actions).
 */
const REPLICATED: ReadonlySet<Action> = new Set([
  Actions.PutImage,
  Actions.InitiateLayerUpload,
  Actions.UploadLayerPart,
  Actions.CompleteLayerUpload,
  Actions.BatchCheckLayerAvailability,
]);

/** The action a request is authorized as: ecr:ReplicateImage for a replication's writes. */
export function effectiveAction(ctx: RequestContext, action: Action): Action {
  return ctx.replication && REPLICATED.has(action) ? Actions.ReplicateImage : action;
}

export class RepositoryAccess {
  /**
   * Repositories found recently, for reads only. Ids are never reused, so an entry that outlives
   * its repository (deleted on another node) can only make a read answer "not found" for up to
   * REPOSITORY_CACHE_MS, never return another repository's content; absences are not cached,
   * so a new repository is visible at once. Writes always read the row (settings may change).
   */
  private readonly recent = new Map<string, { at: number; repository: Repository }>();

  constructor(
    private readonly store: Pick<MetadataStore, 'repositories'>,
    protected readonly authorizer: Authorizer,
    private readonly options: AccessOptions,
  ) {}

  /** Whether a push may create the repository it names (a name nothing was pushed to is then an empty repository). */
  get createsRepositoriesOnPush(): boolean {
    return this.options.createRepositoryOnPush;
  }

  /** ECR's ARN of a private repository, ECR Public's of a public one. */
  repositoryArn(registry: RegistryRef, name: string): string {
    return repositoryArn(registry, this.options.region, name);
  }

  /** An action as policies on the registry's repositories name it: ECR Public's names (ecr-public:SetRepositoryPolicy) on a public one (the authorizer renames the same way, public/pull-authorizer.ts). */
  policyAction(registry: RegistryRef, action: Action): Action {
    return registry.visibility === 'public' ? publicActionOf(action) : action;
  }

  /**
   * The registry and repository name of a repository ARN of the registries this access serves
   * (of this region, when private); undefined for anything else (another service, region or
   * resource type, a malformed name).
   */
  parseRepositoryArn(arn: string): { registry: RegistryRef; name: string } | undefined {
    const parsed = parseRepositoryArn(arn, this.options.region);
    return parsed?.registry.visibility === (this.options.visibility ?? 'private') ? parsed : undefined;
  }

  /** Authorizes `action` on every repository of the registry (describing them all). */
  async authorizeAll(ctx: RequestContext, action: Action): Promise<void> {
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource: this.repositoryArn(ctx.registry, '*'),
      facts: ctx.facts,
    });
  }

  /** Authorizes an action IAM grants on no particular resource (Resource "*": GetAuthorizationToken). */
  async authorizeUnscoped(ctx: RequestContext, action: Action): Promise<void> {
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource: '*',
      resourceAccount: ctx.registry.accountId,
      facts: ctx.facts,
    });
  }

  /** After this node changed a policy or resource tags: its authorizer reads them again. */
  policiesChanged(): void {
    this.authorizer.forget?.();
  }

  /**
   * Authorizes an action on the registry itself (DescribeRegistry, account settings). IAM names
   * no resource type for these (a policy grants them with Resource "*"); the registry's ARN
   * carries the account the one authorization call needs.
   */
  async authorizeRegistry(ctx: RequestContext, action: Action): Promise<void> {
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource: this.registryArn(ctx.registry),
      facts: ctx.facts,
    });
  }

  /** ECR's registry ARN; ECR Public's (arn:aws:ecr-public::<account>:registry/<account>) for a public registry. */
  registryArn(registry: RegistryRef): string {
    return registryArn(registry, this.options.region);
  }

  /** Authorizes `action` on the repository without requiring that it exists. */
  async authorize(ctx: RequestContext, name: string, action: Action): Promise<void> {
    assertRepositoryName(name);
    await this.authorizer.authorize({
      principal: ctx.principal,
      action: effectiveAction(ctx, action),
      resource: this.repositoryArn(ctx.registry, name),
      facts: ctx.facts,
    });
  }

  /** Forgets a repository found recently (this node deleted it), so reads find its successor at once. */
  forget(registry: RegistryRef, name: string): void {
    this.recent.delete(`${registryKey(registry)}/${name}`);
  }

  /** True when the principal may do `action` on the repository; never throws for a denial. */
  async allowed(ctx: RequestContext, name: string, action: Action): Promise<boolean> {
    try {
      await this.authorize(ctx, name, action);
      return true;
    } catch (err) {
      if (err instanceof RegistryError) return false;
      throw err;
    }
  }

  /** An existing repository the principal may do `action` on. */
  async existing(ctx: RequestContext, name: string, action: Action): Promise<Repository> {
    await this.authorize(ctx, name, action);
    const key = `${registryKey(ctx.registry)}/${name}`;
    const now = Date.now();
    const cached = READS.has(action) ? this.recent.get(key) : undefined;
    if (cached && now - cached.at < REPOSITORY_CACHE_MS) return cached.repository;
    const repository = await this.store.repositories.get(registryKey(ctx.registry), name);
    if (!repository) {
      this.recent.delete(key);
      throw repositoryNotFound(ctx.registry.accountId, name);
    }
    if (this.recent.size >= 10_000) this.recent.clear();
    this.recent.set(key, { at: now, repository });
    return repository;
  }

  /** A repository to push into: created on first push when the registry allows it. */
  async forPush(ctx: RequestContext, name: string, action: Action): Promise<Repository> {
    const target = await this.pushTarget(ctx, name, action);
    if (target) return target;
    const { creator } = this.options;
    return creator
      ? creator.createByItself(ctx, name, ctx.replication ? 'REPLICATION' : 'CREATE_ON_PUSH')
      : this.store.repositories.ensure(registryKey(ctx.registry), name);
  }

  /**
   * The checks of forPush without the creation: the repository when it exists, undefined when
   * the push may create it (so a push can be validated before anything is created).
   */
  async pushTarget(ctx: RequestContext, name: string, action: Action): Promise<Repository | undefined> {
    await this.authorize(ctx, name, action);
    const repository = await this.store.repositories.get(registryKey(ctx.registry), name);
    if (repository) return repository;
    // A replication creates what it replicates into, as ECR's does, whatever create-on-push says.
    if (ctx.replication) {
      await this.authorize(ctx, name, Actions.CreateRepository);
      return undefined;
    }
    if (ctx.createOnPush === false) throw repositoryNotFound(ctx.registry.accountId, name);
    if (!this.options.createRepositoryOnPush) {
      throw new RegistryError(
        'NAME_UNKNOWN',
        `repository ${name} does not exist and this registry does not create repositories on push`,
        { name },
      );
    }
    await this.authorize(ctx, name, Actions.CreateRepository);
    return undefined;
  }
}
