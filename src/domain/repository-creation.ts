// Creating a repository by itself (create-on-push now; replication and the pull-through cache
// later): the registry's RepositoryCreation implements it with the creation templates, and the
// lifecycle policy a template carries is handed to whoever keeps lifecycle policies.
import type { CreationReason } from './records/creation-templates.js';
import type { Repository } from './records/repositories.js';
import type { RequestContext } from './request-context.js';

export type { CreationReason } from './records/creation-templates.js';

/** Creates a repository that Berth makes without a CreateRepository call. */
export interface RepositoryCreator {
  /**
   * The repository `name` of the context's registry: the one that exists, or a new one with the
   * settings of the template that applies for `reason` (the longest matching prefix, else ROOT,
   * else ECR's defaults). Concurrent creators agree on one repository. The caller has authorized
   * the creation; `ctx.principal` is who causes it (the key of a KMS template must be usable by it).
   */
  createByItself(ctx: RequestContext, name: string, reason: CreationReason): Promise<Repository>;
}

/** Where a template's lifecycle policy goes when a repository is created with it (the lifecycle service). */
export interface LifecyclePolicySink {
  putLifecyclePolicy(repository: Repository, policyText: string): Promise<void>;
}
