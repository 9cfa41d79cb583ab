// Tags on resources by ARN (TagResource, UntagResource, ListTagsForResource). Repositories are
// the only resources that take tags; the ARN names the account, not the caller.
import type { Action } from '../domain/actions.js';
import { Actions } from '../domain/actions.js';
import { ManagementError } from '../domain/management-errors.js';
import {
  assertTagKey,
  MAX_RESOURCE_TAGS,
  tooManyTags,
  validateTags,
  type ResourceTag,
} from '../domain/resource-tags.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';

export class ResourceTagService {
  constructor(
    private readonly store: Pick<MetadataStore, 'resourceTags'>,
    private readonly access: RepositoryAccess,
  ) {}

  /** `ctx.registry` is ignored: the ARN names the registry. */
  async tag(ctx: RequestContext, resourceArn: string, tags: ResourceTag[]): Promise<void> {
    const valid = validateTags(tags);
    const requestTags = Object.fromEntries(valid.map((t) => [t.key, t.value]));
    const arn = await this.resource({ ...ctx, facts: { ...ctx.facts, requestTags } }, resourceArn, Actions.TagResource);
    if (!(await this.store.resourceTags.put(arn, valid, MAX_RESOURCE_TAGS))) throw tooManyTags();
    this.access.policiesChanged();
  }

  async untag(ctx: RequestContext, resourceArn: string, keys: string[]): Promise<void> {
    const tagKeys = keys.map(assertTagKey);
    const arn = await this.resource({ ...ctx, facts: { ...ctx.facts, tagKeys } }, resourceArn, Actions.UntagResource);
    await this.store.resourceTags.remove(arn, tagKeys);
    this.access.policiesChanged();
  }

  async list(ctx: RequestContext, resourceArn: string): Promise<ResourceTag[]> {
    return this.store.resourceTags.list(await this.resource(ctx, resourceArn, Actions.ListTagsForResource));
  }

  /** The ARN of an existing repository the caller may do `action` on. */
  private async resource(ctx: RequestContext, resourceArn: string, action: Action): Promise<string> {
    const target = this.access.parseRepositoryArn(resourceArn);
    if (!target)
      throw new ManagementError(
        'INVALID_PARAMETER',
        `Invalid parameter at 'resourceArn': '${resourceArn}' is not the ARN of a repository in this registry's region`,
      );
    const repository = await this.access.existing({ ...ctx, registry: target.registry }, target.name, action);
    return this.access.repositoryArn(target.registry, repository.name);
  }
}
