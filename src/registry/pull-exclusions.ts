// ECR's pull time update exclusions (RegisterPullTimeUpdateExclusion, DeregisterPullTimeUpdateExclusion,
// ListPullTimeUpdateExclusions): principals whose pulls leave an image's last recorded pull time
// alone. The pull path asks the cache, which reads an account's list at most every EXCLUSION_CACHE_MS.
import { Actions } from '../domain/actions.js';
import { LifecycleError } from '../domain/lifecycle-errors.js';
import type { Principal } from '../domain/principal.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';

/** The model's PullTimeUpdateExclusionList max. */
export const MAX_PULL_TIME_EXCLUSIONS = 100;
/** How long a node may go on using an account's exclusions after another node changed them. */
export const EXCLUSION_CACHE_MS = 30_000;

/** The ARN exclusions and runtime principals name a caller by: a role session by its role's ARN. */
export function identityArn(principal: Principal): string | undefined {
  if (principal.kind === 'anonymous') return undefined;
  return principal.kind === 'role-session' ? principal.roleArn : principal.arn;
}

/** Each account's exclusions as this node last read them. */
export class PullExclusionCache {
  private readonly accounts = new Map<string, { at: number; arns: Promise<Set<string>> }>();

  constructor(private readonly store: Pick<MetadataStore, 'lifecycle'>) {}

  async excludes(accountId: string, principalArn: string, now = Date.now()): Promise<boolean> {
    let entry = this.accounts.get(accountId);
    if (!entry || now - entry.at >= EXCLUSION_CACHE_MS) {
      const arns = this.store.lifecycle
        .exclusions(accountId, { limit: MAX_PULL_TIME_EXCLUSIONS })
        .then((list) => new Set(list.map((e) => e.principalArn)));
      entry = { at: now, arns };
      if (this.accounts.size >= 10_000) this.accounts.clear();
      this.accounts.set(accountId, entry);
      arns.catch(() => this.accounts.delete(accountId));
    }
    return (await entry.arns).has(principalArn);
  }

  /** After this node changed the account's exclusions: read them again. */
  forget(accountId: string): void {
    this.accounts.delete(accountId);
  }
}

export class PullTimeExclusions {
  constructor(
    private readonly store: Pick<MetadataStore, 'lifecycle'>,
    private readonly access: RepositoryAccess,
    private readonly cache: PullExclusionCache,
    private readonly now: () => number = Date.now,
  ) {}

  async register(ctx: RequestContext, principalArn: string): Promise<{ principalArn: string; createdAt: number }> {
    await this.access.authorizeRegistry(ctx, Actions.RegisterPullTimeUpdateExclusion);
    const accountId = ctx.registry.accountId;
    if ((await this.store.lifecycle.exclusionCount(accountId)) >= MAX_PULL_TIME_EXCLUSIONS)
      throw new LifecycleError(
        'LimitExceededException',
        `The registry with id '${accountId}' has ${MAX_PULL_TIME_EXCLUSIONS} pull time update exclusions, the most it may have`,
      );
    const createdAt = this.now();
    if (!(await this.store.lifecycle.addExclusion(accountId, principalArn, createdAt)))
      throw new LifecycleError(
        'ExclusionAlreadyExistsException',
        `The principal '${principalArn}' is already excluded from pull time updates in the registry with id '${accountId}'`,
      );
    this.cache.forget(accountId);
    return { principalArn, createdAt };
  }

  async deregister(ctx: RequestContext, principalArn: string): Promise<{ principalArn: string }> {
    await this.access.authorizeRegistry(ctx, Actions.DeregisterPullTimeUpdateExclusion);
    const accountId = ctx.registry.accountId;
    if (!(await this.store.lifecycle.removeExclusion(accountId, principalArn)))
      throw new LifecycleError(
        'ExclusionNotFoundException',
        `The principal '${principalArn}' is not excluded from pull time updates in the registry with id '${accountId}'`,
      );
    this.cache.forget(accountId);
    return { principalArn };
  }

  async list(ctx: RequestContext, page: { after?: string; limit: number }): Promise<{ arns: string[]; next?: string }> {
    await this.access.authorizeRegistry(ctx, Actions.ListPullTimeUpdateExclusions);
    const rows = await this.store.lifecycle.exclusions(ctx.registry.accountId, { ...page, limit: page.limit + 1 });
    const arns = rows.slice(0, page.limit).map((r) => r.principalArn);
    return rows.length > page.limit ? { arns, next: arns[arns.length - 1]! } : { arns };
  }
}
