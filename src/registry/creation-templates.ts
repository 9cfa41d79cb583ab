// ECR's repository creation templates (CreateRepositoryCreationTemplate and its siblings): the
// settings a repository Berth creates by itself gets, by the prefix of its name. Each action is
// authorized on the registry (IAM names no resource type for them); every setting is validated
// as CreateRepository, SetRepositoryPolicy and TagResource validate it, before anything is stored.
import { validLifecyclePolicy } from './lifecycle.js';
import { Actions } from '../domain/actions.js';
import type { RepositoryKeys } from '../domain/key-wrapping.js';
import { KmsError } from '../domain/kms-errors.js';
import { ManagementError } from '../domain/management-errors.js';
import {
  CREATION_REASONS,
  ROOT_PREFIX,
  type CreationReason,
  type CreationTemplate,
  type CreationTemplateSettings,
} from '../domain/records/creation-templates.js';
import type { EncryptionType } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import { validateTags, type ResourceTag } from '../domain/resource-tags.js';
import { tagMutability, type ImageTagMutability, type TagMutabilityFilter } from '../domain/tag-mutability.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';
import type { PolicyService } from './policies.js';

/** Templates per registry (Berth's quota; past it, LimitExceededException). */
export const MAX_CREATION_TEMPLATES = 100;

/** A template's settings as a request gives them: omitted members keep their value on update. */
export interface TemplateRequest {
  description?: string;
  encryption?: { encryptionType: EncryptionType; kmsKey?: string };
  resourceTags?: ResourceTag[];
  imageTagMutability?: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: TagMutabilityFilter[];
  repositoryPolicy?: string;
  lifecyclePolicy?: string;
  appliedFor?: CreationReason[];
  customRoleArn?: string;
}

export interface TemplatePage {
  templates: CreationTemplate[];
  /** The prefix to continue after, when there may be more. */
  last?: string;
}

const DEFAULTS: CreationTemplateSettings = {
  description: null,
  encryptionType: 'AES256',
  kmsKey: null,
  resourceTags: [],
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  repositoryPolicy: null,
  lifecyclePolicy: null,
  appliedFor: [],
  customRoleArn: null,
};

const NAMESPACE = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

/** A prefix as templates are keyed: ROOT, or a namespace without its (always assumed) trailing slash. */
export function templatePrefix(prefix: string): string {
  if (prefix === ROOT_PREFIX) return prefix;
  const bare = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!NAMESPACE.test(bare) || bare.length > 256)
    throw invalid('prefix', `'${prefix}' is neither ROOT nor a repository namespace`);
  return bare;
}

function invalid(member: string, reason: string): ManagementError {
  return new ManagementError(
    'INVALID_PARAMETER',
    `Invalid parameter at '${member}' failed to satisfy constraint: '${reason}'`,
  );
}

export class CreationTemplateService {
  constructor(
    private readonly store: Pick<MetadataStore, 'creationTemplates'>,
    private readonly access: RepositoryAccess,
    private readonly keys: RepositoryKeys,
    private readonly policies: PolicyService,
  ) {}

  async create(ctx: RequestContext, prefix: string, request: TemplateRequest): Promise<CreationTemplate> {
    await this.access.authorizeRegistry(ctx, Actions.CreateRepositoryCreationTemplate);
    const key = templatePrefix(prefix);
    if (request.appliedFor === undefined) throw invalid('appliedFor', 'appliedFor is required');
    const settings = await this.settings(ctx, DEFAULTS, request);
    const account = registryKey(ctx.registry);
    if ((await this.store.creationTemplates.count(account)) >= MAX_CREATION_TEMPLATES) {
      throw new ManagementError(
        'LIMIT_EXCEEDED',
        `The registry with id '${ctx.registry.accountId}' has the most repository creation templates it may have (${MAX_CREATION_TEMPLATES})`,
      );
    }
    const now = Date.now();
    const template: CreationTemplate = { accountId: account, prefix: key, ...settings, createdAt: now, updatedAt: now };
    if (!(await this.store.creationTemplates.create(template))) {
      throw new ManagementError(
        'TEMPLATE_ALREADY_EXISTS',
        `A repository creation template with prefix '${key}' already exists in the registry with id '${ctx.registry.accountId}'`,
      );
    }
    return template;
  }

  async update(ctx: RequestContext, prefix: string, request: TemplateRequest): Promise<CreationTemplate> {
    await this.access.authorizeRegistry(ctx, Actions.UpdateRepositoryCreationTemplate);
    const key = templatePrefix(prefix);
    const account = registryKey(ctx.registry);
    const current = await this.store.creationTemplates.get(account, key);
    if (!current) throw this.notFound(ctx, key);
    const settings = await this.settings(ctx, current, request);
    const updated = await this.store.creationTemplates.update(account, key, settings, Date.now());
    if (!updated) throw this.notFound(ctx, key);
    return updated;
  }

  async delete(ctx: RequestContext, prefix: string): Promise<CreationTemplate> {
    await this.access.authorizeRegistry(ctx, Actions.DeleteRepositoryCreationTemplate);
    const key = templatePrefix(prefix);
    const deleted = await this.store.creationTemplates.delete(registryKey(ctx.registry), key);
    if (!deleted) throw this.notFound(ctx, key);
    return deleted;
  }

  /** One page of the registry's templates in byte order of prefix (those of `prefixes` when given), after `last`. */
  async describePage(
    ctx: RequestContext,
    page: { last?: string; limit: number; prefixes?: string[] },
  ): Promise<TemplatePage> {
    await this.access.authorizeRegistry(ctx, Actions.DescribeRepositoryCreationTemplates);
    const prefixes = page.prefixes && [...new Set(page.prefixes.map(templatePrefix))];
    const rows = await this.store.creationTemplates.list(registryKey(ctx.registry), {
      ...(page.last !== undefined && { last: page.last }),
      ...(prefixes && { prefixes }),
      limit: page.limit + 1,
    });
    if (rows.length <= page.limit) return { templates: rows };
    const templates = rows.slice(0, page.limit);
    return { templates, last: templates[templates.length - 1]!.prefix };
  }

  /** The settings `request` makes of `base`, each validated. */
  private async settings(
    ctx: RequestContext,
    base: CreationTemplateSettings,
    request: TemplateRequest,
  ): Promise<CreationTemplateSettings> {
    const mutability =
      request.imageTagMutability !== undefined || request.imageTagMutabilityExclusionFilters !== undefined
        ? tagMutability(
            request.imageTagMutability ?? base.imageTagMutability,
            request.imageTagMutabilityExclusionFilters ??
              (request.imageTagMutability === undefined ? base.imageTagMutabilityExclusionFilters : undefined),
          )
        : base;
    let resourceTags = base.resourceTags;
    if (request.resourceTags !== undefined) {
      try {
        resourceTags = validateTags(request.resourceTags);
      } catch (err) {
        // The template's actions name no tag exceptions: a bad tag is a bad parameter.
        if (err instanceof ManagementError) throw invalid('resourceTags', err.message);
        throw err;
      }
    }
    let appliedFor = base.appliedFor;
    if (request.appliedFor !== undefined) {
      appliedFor = CREATION_REASONS.filter((r) => request.appliedFor!.includes(r));
      if (appliedFor.length === 0) throw invalid('appliedFor', `at least one of ${CREATION_REASONS.join(', ')}`);
    }
    const repositoryPolicy = await this.repositoryPolicy(base.repositoryPolicy, request.repositoryPolicy);
    return {
      description: request.description === undefined ? base.description : request.description || null,
      ...(await this.encryption(ctx, base, request.encryption)),
      resourceTags,
      imageTagMutability: mutability.imageTagMutability,
      imageTagMutabilityExclusionFilters: mutability.imageTagMutabilityExclusionFilters,
      repositoryPolicy,
      lifecyclePolicy: lifecyclePolicy(base.lifecyclePolicy, request.lifecyclePolicy),
      appliedFor,
      customRoleArn: this.customRole(ctx, base.customRoleArn, request.customRoleArn),
    };
  }

  /** As CreateRepository: a kmsKey only with KMS or KMS_DSSE, and one the caller may have ECR use. */
  private async encryption(
    ctx: RequestContext,
    base: CreationTemplateSettings,
    requested: TemplateRequest['encryption'],
  ): Promise<Pick<CreationTemplateSettings, 'encryptionType' | 'kmsKey'>> {
    if (requested === undefined) return { encryptionType: base.encryptionType, kmsKey: base.kmsKey };
    const kmsKey = requested.kmsKey || undefined;
    if (requested.encryptionType === 'AES256') {
      if (kmsKey !== undefined)
        throw invalid(
          'encryptionConfiguration.kmsKey',
          'a kmsKey can only be given with the KMS or KMS_DSSE encryption type',
        );
      return { encryptionType: 'AES256', kmsKey: null };
    }
    if (kmsKey !== undefined) {
      try {
        await this.keys.forRepository(
          { principal: ctx.principal, accountId: ctx.registry.accountId, ...(ctx.facts && { facts: ctx.facts }) },
          kmsKey,
        );
      } catch (err) {
        // The template's actions name no KmsException: a key that cannot be used is a bad parameter.
        if (err instanceof KmsError) throw invalid('encryptionConfiguration.kmsKey', `${err.type}: ${err.message}`);
        throw err;
      }
    }
    return { encryptionType: requested.encryptionType, kmsKey: kmsKey ?? null };
  }

  private async repositoryPolicy(base: string | null, requested: string | undefined): Promise<string | null> {
    if (requested === undefined) return base;
    if (requested === '') return null;
    await this.policies.assertRepositoryPolicy(requested);
    return requested;
  }

  /** The role must be an IAM role of the registry's account, as ECR asks. */
  private customRole(ctx: RequestContext, base: string | null, requested: string | undefined): string | null {
    if (requested === undefined) return base;
    if (requested === '') return null;
    const match = /^arn:aws:iam::([0-9]{12}):role\/[\w+=,.@/-]{1,512}$/.exec(requested);
    if (!match || match[1] !== ctx.registry.accountId)
      throw invalid(
        'customRoleArn',
        `'${requested}' is not the ARN of a role of the account ${ctx.registry.accountId}`,
      );
    return requested;
  }

  private notFound(ctx: RequestContext, prefix: string): ManagementError {
    return new ManagementError(
      'TEMPLATE_NOT_FOUND',
      `The repository creation template with prefix '${prefix}' does not exist in the registry with id '${ctx.registry.accountId}'`,
    );
  }
}

/**
 * A template's lifecycle policy, checked by the same rules as PutLifecyclePolicy (ECR's reasons
 * in an InvalidParameterException), so a repository created from it gets a policy that works.
 */
function lifecyclePolicy(base: string | null, requested: string | undefined): string | null {
  if (requested === undefined) return base;
  if (requested === '') return null;
  validLifecyclePolicy(requested);
  return requested;
}
