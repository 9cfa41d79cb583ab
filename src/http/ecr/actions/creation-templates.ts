// CreateRepositoryCreationTemplate, DescribeRepositoryCreationTemplates,
// UpdateRepositoryCreationTemplate, DeleteRepositoryCreationTemplate: the model's shapes over the
// creation template service, on the caller's own registry.
import { z } from 'zod';
import { CREATION_REASONS, type CreationTemplate } from '../../../domain/records/creation-templates.js';
import type { CreationTemplateService, TemplateRequest } from '../../../registry/creation-templates.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { context, decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { TagList } from '../../aws-json/registry-api/shapes.js';
import { modelPattern } from '../../aws-json/validation.js';
import { ImageTagMutability, ImageTagMutabilityExclusionFilters, MaxResults } from '../shapes.js';

/** Page size when a request gives no maxResults (the model's documented default). */
const DEFAULT_PAGE = 100;
const DescribeCursor = z.object({ last: z.string() });

const PREFIX_PATTERN = '^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$';
const Prefix = z.string().min(1).max(256).regex(new RegExp(PREFIX_PATTERN), modelPattern(PREFIX_PATTERN));

const TemplateSettings = {
  description: z.string().max(256).optional(),
  encryptionConfiguration: z
    .object({
      encryptionType: z.enum(['AES256', 'KMS', 'KMS_DSSE']),
      kmsKey: z
        .string()
        .max(2048)
        .regex(
          /^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+/,
          modelPattern('^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\\/[a-z0-9-]+'),
        )
        .optional(),
    })
    .optional(),
  resourceTags: TagList.optional(),
  imageTagMutability: ImageTagMutability.optional(),
  imageTagMutabilityExclusionFilters: ImageTagMutabilityExclusionFilters.optional(),
  repositoryPolicy: z.string().max(10_240).optional(),
  lifecyclePolicy: z.string().max(30_720).optional(),
  customRoleArn: z.string().max(2048).optional(),
};
const AppliedFor = z.array(z.enum(CREATION_REASONS));

/** Input schemas by action, for the model conformance test. */
export const creationTemplateInputs = {
  CreateRepositoryCreationTemplate: z.object({ prefix: Prefix, ...TemplateSettings, appliedFor: AppliedFor }),
  DescribeRepositoryCreationTemplates: z.object({
    prefixes: z.array(Prefix).optional(),
    nextToken: z.string().optional(),
    maxResults: MaxResults.optional(),
  }),
  UpdateRepositoryCreationTemplate: z.object({
    prefix: Prefix,
    ...TemplateSettings,
    appliedFor: AppliedFor.optional(),
  }),
  DeleteRepositoryCreationTemplate: z.object({ prefix: Prefix }),
};

type SettingsInput = z.infer<typeof creationTemplateInputs.UpdateRepositoryCreationTemplate>;

function templateRequest(request: SettingsInput): TemplateRequest {
  return {
    ...(request.description !== undefined && { description: request.description }),
    ...(request.encryptionConfiguration && { encryption: request.encryptionConfiguration }),
    ...(request.resourceTags && { resourceTags: request.resourceTags.map((t) => ({ key: t.Key, value: t.Value })) }),
    ...(request.imageTagMutability && { imageTagMutability: request.imageTagMutability }),
    ...(request.imageTagMutabilityExclusionFilters && {
      imageTagMutabilityExclusionFilters: request.imageTagMutabilityExclusionFilters,
    }),
    ...(request.repositoryPolicy !== undefined && { repositoryPolicy: request.repositoryPolicy }),
    ...(request.lifecyclePolicy !== undefined && { lifecyclePolicy: request.lifecyclePolicy }),
    ...(request.appliedFor && { appliedFor: request.appliedFor }),
    ...(request.customRoleArn !== undefined && { customRoleArn: request.customRoleArn }),
  };
}

/** The model's RepositoryCreationTemplate. */
export function renderTemplate(template: CreationTemplate) {
  return {
    prefix: template.prefix,
    ...(template.description !== null && { description: template.description }),
    encryptionConfiguration: {
      encryptionType: template.encryptionType,
      ...(template.kmsKey !== null && { kmsKey: template.kmsKey }),
    },
    resourceTags: template.resourceTags.map((t) => ({ Key: t.key, Value: t.value })),
    imageTagMutability: template.imageTagMutability,
    ...(template.imageTagMutabilityExclusionFilters.length > 0 && {
      imageTagMutabilityExclusionFilters: template.imageTagMutabilityExclusionFilters,
    }),
    ...(template.repositoryPolicy !== null && { repositoryPolicy: template.repositoryPolicy }),
    ...(template.lifecyclePolicy !== null && { lifecyclePolicy: template.lifecyclePolicy }),
    appliedFor: template.appliedFor,
    ...(template.customRoleArn !== null && { customRoleArn: template.customRoleArn }),
    createdAt: epochSeconds(template.createdAt),
    updatedAt: epochSeconds(template.updatedAt),
  };
}

export function creationTemplateActions(templates: CreationTemplateService): ApiActionTable {
  return {
    async CreateRepositoryCreationTemplate(call) {
      const request = input(creationTemplateInputs.CreateRepositoryCreationTemplate, call.body);
      const ctx = context(call);
      const template = await templates.create(ctx, request.prefix, templateRequest(request));
      return { registryId: ctx.registry.accountId, repositoryCreationTemplate: renderTemplate(template) };
    },

    async DescribeRepositoryCreationTemplates(call) {
      const request = input(creationTemplateInputs.DescribeRepositoryCreationTemplates, call.body);
      const ctx = context(call);
      const listing = [ctx.registry.accountId, request.prefixes ?? null];
      const cursor = decodeNextToken(call, DescribeCursor, request.nextToken, listing);
      const page = await templates.describePage(ctx, {
        ...(cursor && { last: cursor.last }),
        ...(request.prefixes && { prefixes: request.prefixes }),
        limit: request.maxResults ?? DEFAULT_PAGE,
      });
      return {
        registryId: ctx.registry.accountId,
        repositoryCreationTemplates: page.templates.map(renderTemplate),
        ...(page.last !== undefined && { nextToken: encodeNextToken(call, listing, { last: page.last }) }),
      };
    },

    async UpdateRepositoryCreationTemplate(call) {
      const request = input(creationTemplateInputs.UpdateRepositoryCreationTemplate, call.body);
      const ctx = context(call);
      const template = await templates.update(ctx, request.prefix, templateRequest(request));
      return { registryId: ctx.registry.accountId, repositoryCreationTemplate: renderTemplate(template) };
    },

    async DeleteRepositoryCreationTemplate(call) {
      const request = input(creationTemplateInputs.DeleteRepositoryCreationTemplate, call.body);
      const ctx = context(call);
      const template = await templates.delete(ctx, request.prefix);
      return { registryId: ctx.registry.accountId, repositoryCreationTemplate: renderTemplate(template) };
    },
  };
}
