// PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy, StartLifecyclePolicyPreview,
// GetLifecyclePolicyPreview and the pull time update exclusions: the model's shapes over the
// lifecycle services.
import { z } from 'zod';
import type { PlannedAction } from '../../../domain/lifecycle-plan.js';
import type { LifecycleService } from '../../../registry/lifecycle.js';
import type { PullTimeExclusions } from '../../../registry/pull-exclusions.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { context, decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { modelPattern } from '../../aws-json/validation.js';
import { ApiError } from '../errors.js';
import { ImageIdentifierList, MaxResults, RegistryId, RepositoryName, TagStatus } from '../shapes.js';

const LifecyclePolicyText = z.string().min(100).max(30_720);
const PrincipalArn = z
  .string()
  .max(200)
  .regex(
    /^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)\/[\w+=,.@-]+(\/[\w+=,.@-]+)*$/,
    modelPattern('^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\\w+=,.@-]+(/[\\w+=,.@-]+)*$'),
  );
/** GetLifecyclePolicyPreview's page size when a request gives no maxResults (the model's documented default). */
const DEFAULT_PREVIEW_PAGE = 100;
const DEFAULT_EXCLUSION_PAGE = 100;

/** Input schemas by action, for the model conformance test. */
export const lifecycleInputs = {
  PutLifecyclePolicy: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    lifecyclePolicyText: LifecyclePolicyText,
  }),
  GetLifecyclePolicy: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
  DeleteLifecyclePolicy: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
  StartLifecyclePolicyPreview: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    lifecyclePolicyText: LifecyclePolicyText.optional(),
  }),
  GetLifecyclePolicyPreview: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    imageIds: ImageIdentifierList.optional(),
    nextToken: z.string().optional(),
    maxResults: z.number().int().min(1).max(100).optional(),
    filter: z.object({ tagStatus: TagStatus.optional() }).optional(),
  }),
  RegisterPullTimeUpdateExclusion: z.object({ principalArn: PrincipalArn }),
  DeregisterPullTimeUpdateExclusion: z.object({ principalArn: PrincipalArn }),
  ListPullTimeUpdateExclusions: z.object({ maxResults: MaxResults.optional(), nextToken: z.string().optional() }),
};

const PreviewCursor = z.object({ offset: z.number().int().min(0) });
const ExclusionCursor = z.object({ after: z.string() });

function previewResult(action: PlannedAction) {
  return {
    ...(action.tags.length > 0 && { imageTags: action.tags }),
    imageDigest: action.digest,
    imagePushedAt: epochSeconds(action.pushedAt),
    action: { type: action.action, ...(action.action === 'TRANSITION' && { targetStorageClass: 'ARCHIVE' }) },
    appliedRulePriority: action.rulePriority,
    storageClass: action.storageClass,
  };
}

export function lifecycleActions(lifecycle: LifecycleService, exclusions: PullTimeExclusions): ApiActionTable {
  return {
    async PutLifecyclePolicy(call) {
      const request = input(lifecycleInputs.PutLifecyclePolicy, call.body);
      return lifecycle.putPolicy(
        context(call, request.registryId),
        request.repositoryName,
        request.lifecyclePolicyText,
      );
    },

    async GetLifecyclePolicy(call) {
      const request = input(lifecycleInputs.GetLifecyclePolicy, call.body);
      const policy = await lifecycle.getPolicy(context(call, request.registryId), request.repositoryName);
      return {
        ...policy,
        ...(policy.lastEvaluatedAt !== undefined && { lastEvaluatedAt: epochSeconds(policy.lastEvaluatedAt) }),
      };
    },

    async DeleteLifecyclePolicy(call) {
      const request = input(lifecycleInputs.DeleteLifecyclePolicy, call.body);
      const policy = await lifecycle.deletePolicy(context(call, request.registryId), request.repositoryName);
      return {
        ...policy,
        ...(policy.lastEvaluatedAt !== undefined && { lastEvaluatedAt: epochSeconds(policy.lastEvaluatedAt) }),
      };
    },

    async StartLifecyclePolicyPreview(call) {
      const request = input(lifecycleInputs.StartLifecyclePolicyPreview, call.body);
      return lifecycle.startPreview(
        context(call, request.registryId),
        request.repositoryName,
        request.lifecyclePolicyText,
      );
    },

    async GetLifecyclePolicyPreview(call) {
      const request = input(lifecycleInputs.GetLifecyclePolicyPreview, call.body);
      if (request.imageIds && (request.nextToken !== undefined || request.maxResults !== undefined))
        throw new ApiError(
          'InvalidParameterException',
          'Invalid parameter: nextToken and maxResults cannot be used with imageIds',
        );
      const ctx = context(call, request.registryId);
      const preview = await lifecycle.getPreview(ctx, request.repositoryName);
      const tagStatus = request.filter?.tagStatus ?? 'ANY';
      const ids = request.imageIds;
      const matching = preview.actions.filter(
        (a) =>
          (tagStatus === 'ANY' || (tagStatus === 'TAGGED') === a.tags.length > 0) &&
          (!ids ||
            ids.some(
              (id) =>
                (id.imageDigest === undefined || id.imageDigest === a.digest) &&
                (id.imageTag === undefined || a.tags.includes(id.imageTag)),
            )),
      );
      const listing = [ctx.registry.accountId, request.repositoryName, tagStatus, preview.lifecyclePolicyText];
      const offset = decodeNextToken(call, PreviewCursor, request.nextToken, listing)?.offset ?? 0;
      const limit = request.maxResults ?? DEFAULT_PREVIEW_PAGE;
      const page = ids ? matching : matching.slice(offset, offset + limit);
      const more = !ids && offset + limit < matching.length;
      const transitioning = preview.actions.filter((a) => a.action === 'TRANSITION').length;
      return {
        registryId: preview.registryId,
        repositoryName: preview.repositoryName,
        lifecyclePolicyText: preview.lifecyclePolicyText,
        status: preview.status,
        previewResults: page.map(previewResult),
        ...(more && { nextToken: encodeNextToken(call, listing, { offset: offset + limit }) }),
        ...(preview.status === 'COMPLETE' && {
          summary: {
            expiringImageTotalCount: preview.actions.filter((a) => a.action === 'EXPIRE').length,
            transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: transitioning }],
          },
        }),
      };
    },

    async RegisterPullTimeUpdateExclusion(call) {
      const request = input(lifecycleInputs.RegisterPullTimeUpdateExclusion, call.body);
      const registered = await exclusions.register(context(call), request.principalArn);
      return { principalArn: registered.principalArn, createdAt: epochSeconds(registered.createdAt) };
    },

    async DeregisterPullTimeUpdateExclusion(call) {
      const request = input(lifecycleInputs.DeregisterPullTimeUpdateExclusion, call.body);
      return exclusions.deregister(context(call), request.principalArn);
    },

    async ListPullTimeUpdateExclusions(call) {
      const request = input(lifecycleInputs.ListPullTimeUpdateExclusions, call.body);
      const ctx = context(call);
      const listing = [ctx.registry.accountId];
      const after = decodeNextToken(call, ExclusionCursor, request.nextToken, listing)?.after;
      const limit = request.maxResults ?? DEFAULT_EXCLUSION_PAGE;
      const page = await exclusions.list(ctx, after === undefined ? { limit } : { after, limit });
      return {
        pullTimeUpdateExclusions: page.arns,
        ...(page.next !== undefined && { nextToken: encodeNextToken(call, listing, { after: page.next }) }),
      };
    },
  };
}
