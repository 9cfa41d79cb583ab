// Tags on resources by ARN (TagResource, UntagResource, ListTagsForResource). Repositories are
// the only resources that take tags; the ARN names the account, not the caller.
import type { Action } from '../domain/actions.js';
import { Actions } from '../domain/actions.js';
import { ManagementError } from '../domain/management-errors.js';
import { assertTagKey, MAX_RESOURCE_TAGS, tooManyTags, validateTags, type ResourceTag } from '../domain/resource-tags.js';
import type { Principal } from '../iam/authorizer.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';

export class ResourceTagService {
  constructor(private readonly store: MetadataStore, private readonly access: RepositoryAccess) {}

  async tag(principal: Principal, resourceArn: string, tags: ResourceTag[]): Promise<void> {
    const arn = await this.resource(principal, resourceArn, Actions.TagResource);
    if (!(await this.store.resourceTags.put(arn, validateTags(tags), MAX_RESOURCE_TAGS))) throw tooManyTags();
  }

  async untag(principal: Principal, resourceArn: string, keys: string[]): Promise<void> {
    const arn = await this.resource(principal, resourceArn, Actions.UntagResource);
    await this.store.resourceTags.remove(arn, keys.map(assertTagKey));
  }

  async list(principal: Principal, resourceArn: string): Promise<ResourceTag[]> {
    return this.store.resourceTags.list(await this.resource(principal, resourceArn, Actions.ListTagsForResource));
  }

  /** The ARN of an existing repository `principal` may do `action` on. */
  private async resource(principal: Principal, resourceArn: string, action: Action): Promise<string> {
    const target = this.access.parseRepositoryArn(resourceArn);
    if (!target) throw new ManagementError('INVALID_PARAMETER', `Invalid parameter at 'resourceArn': '${resourceArn}' is not the ARN of a repository in this registry's region`);
    const repository = await this.access.existing({ principal, accountId: target.accountId }, target.name, action);
    return this.access.repositoryArn(repository.accountId, repository.name);
  }
}
