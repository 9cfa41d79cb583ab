// Creating a repository by itself (RepositoryCreator): for a push to a name that does not exist
// now, for replication and the pull-through cache later. The repository gets the settings of the
// creation template that applies (the longest prefix of its name among the templates applied for
// the reason, else ROOT), or ECR's defaults when none does.
import type { Authorizer } from '../domain/authorizer.js';
import { RegistryError } from '../domain/errors.js';
import type { RepositoryKeyGrants, RepositoryKeys } from '../domain/key-wrapping.js';
import { ROOT_PREFIX, type CreationReason, type CreationTemplate } from '../domain/records/creation-templates.js';
import type { Repository } from '../domain/records/repositories.js';
import { repositoryArn } from '../domain/registry.js';
import type { LifecyclePolicySink, RepositoryCreator } from '../domain/repository-creation.js';
import type { RequestContext } from '../domain/request-context.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';

/** The prefixes a template may have to apply to `name`: each of its namespaces (a/b/c: a, a/b), and ROOT. */
export function candidatePrefixes(name: string): string[] {
  const parts = name.split('/');
  const prefixes = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  return [...prefixes, ROOT_PREFIX];
}

/** The template that applies to `name` for `reason` among `templates`: the longest prefix, else ROOT. */
export function applicableTemplate(
  templates: CreationTemplate[],
  name: string,
  reason: CreationReason,
): CreationTemplate | undefined {
  const candidates = candidatePrefixes(name);
  const rank = (t: CreationTemplate) => (t.prefix === ROOT_PREFIX ? 0 : t.prefix.length + 1);
  return templates
    .filter((t) => t.appliedFor.includes(reason) && candidates.includes(t.prefix))
    .sort((a, b) => rank(b) - rank(a))[0];
}

export class RepositoryCreation implements RepositoryCreator {
  constructor(
    private readonly store: Pick<MetadataStore, 'creationTemplates' | 'repositories' | 'policies'>,
    private readonly keys: RepositoryKeys,
    private readonly grants: RepositoryKeyGrants,
    /** Told when a template gave a repository its policy, so this node reads policies again. */
    private readonly authorizer: Pick<Authorizer, 'forget'>,
    private readonly region: string,
    /** Keeps a template's lifecycle policy for the repository (the lifecycle service), when there is one. */
    private readonly lifecycle?: LifecyclePolicySink,
  ) {}

  /** The template a repository `name` of the registry would be created with for `reason`. */
  async templateFor(ctx: RequestContext, name: string, reason: CreationReason): Promise<CreationTemplate | undefined> {
    const candidates = candidatePrefixes(name);
    const templates = await this.store.creationTemplates.list(registryKey(ctx.registry), {
      prefixes: candidates,
      limit: candidates.length,
    });
    return applicableTemplate(templates, name, reason);
  }

  async createByItself(ctx: RequestContext, name: string, reason: CreationReason): Promise<Repository> {
    const account = registryKey(ctx.registry);
    const template = await this.templateFor(ctx, name, reason);
    if (!template) return this.store.repositories.ensure(account, name);
    // A repository deleted between a creation that found it taken and the read is created again.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const existing = await this.store.repositories.get(account, name);
      if (existing) return existing;
      const created = await this.create(ctx, name, template);
      if (created) return created;
    }
    throw new RegistryError('NAME_UNKNOWN', 'the repository was deleted while this request was handled', { name });
  }

  /** The repository made with the template's settings; undefined when another creator made it first. */
  private async create(ctx: RequestContext, name: string, template: CreationTemplate): Promise<Repository | undefined> {
    // A KMS template's key must be usable for whoever causes the creation, as CreateRepository asks.
    const key =
      template.encryptionType === 'AES256'
        ? undefined
        : await this.keys.forRepository(
            { principal: ctx.principal, accountId: ctx.registry.accountId, ...(ctx.facts && { facts: ctx.facts }) },
            template.kmsKey ?? undefined,
          );
    const repository = await this.store.repositories.create(
      registryKey(ctx.registry),
      name,
      {
        imageTagMutability: template.imageTagMutability,
        imageTagMutabilityExclusionFilters: template.imageTagMutabilityExclusionFilters,
        scanOnPush: false,
        encryptionType: template.encryptionType,
        kmsKey: key?.arn ?? null,
      },
      { resourceArn: repositoryArn(ctx.registry, this.region, name), tags: template.resourceTags },
    );
    if (!repository) return undefined;
    if (key) await this.grants.grantToEcr(repository, key);
    if (template.repositoryPolicy !== null) {
      await this.store.policies.setRepositoryPolicy(repository.id, template.repositoryPolicy, Date.now());
      this.authorizer.forget?.();
    }
    if (template.lifecyclePolicy !== null)
      await this.lifecycle?.putLifecyclePolicy(repository, template.lifecyclePolicy);
    return repository;
  }
}
