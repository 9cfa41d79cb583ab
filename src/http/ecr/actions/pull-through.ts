// CreatePullThroughCacheRule, DescribePullThroughCacheRules, UpdatePullThroughCacheRule,
// DeletePullThroughCacheRule, ValidatePullThroughCacheRule: the model's shapes over the rule
// service, on the caller's own registry (or the registryId given).
import { z } from 'zod';
import { type PullThroughRule, UPSTREAM_REGISTRIES } from '../../../domain/records/pull-through.js';
import type { PullThroughRules } from '../../../pullthrough/rules.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { context, decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { modelPattern } from '../../aws-json/validation.js';
import { MaxResults, RegistryId } from '../shapes.js';

/** Page size when a request gives no maxResults (the model's documented default). */
const DEFAULT_PAGE = 100;
const DescribeCursor = z.object({ last: z.string() });

const PREFIX_PATTERN = '^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$';
const Prefix = z.string().min(2).max(30).regex(new RegExp(PREFIX_PATTERN), modelPattern(PREFIX_PATTERN));
const CREDENTIAL_PATTERN =
  '^arn:aws(-\\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\\-pullthroughcache\\/[a-zA-Z0-9\\/_+=.@-]+$';
const CredentialArn = z
  .string()
  .min(50)
  .max(612)
  .regex(new RegExp(CREDENTIAL_PATTERN), modelPattern(CREDENTIAL_PATTERN));
const CustomRoleArn = z.string().max(2048);

/** Input schemas by action, for the model conformance test. */
export const pullThroughInputs = {
  CreatePullThroughCacheRule: z.object({
    ecrRepositoryPrefix: Prefix,
    upstreamRegistryUrl: z.string(),
    registryId: RegistryId.optional(),
    upstreamRegistry: z.enum(UPSTREAM_REGISTRIES).optional(),
    credentialArn: CredentialArn.optional(),
    customRoleArn: CustomRoleArn.optional(),
    upstreamRepositoryPrefix: Prefix.optional(),
  }),
  DescribePullThroughCacheRules: z.object({
    registryId: RegistryId.optional(),
    ecrRepositoryPrefixes: z.array(Prefix).min(1).max(100).optional(),
    nextToken: z.string().optional(),
    maxResults: MaxResults.optional(),
  }),
  UpdatePullThroughCacheRule: z.object({
    registryId: RegistryId.optional(),
    ecrRepositoryPrefix: Prefix,
    credentialArn: CredentialArn.optional(),
    customRoleArn: CustomRoleArn.optional(),
  }),
  DeletePullThroughCacheRule: z.object({ ecrRepositoryPrefix: Prefix, registryId: RegistryId.optional() }),
  ValidatePullThroughCacheRule: z.object({ ecrRepositoryPrefix: Prefix, registryId: RegistryId.optional() }),
};

/** The members every rule shape shares. */
function common(rule: PullThroughRule, registryId: string) {
  return {
    ecrRepositoryPrefix: rule.prefix,
    registryId,
    ...(rule.credentialArn !== null && { credentialArn: rule.credentialArn }),
    ...(rule.customRoleArn !== null && { customRoleArn: rule.customRoleArn }),
    upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
  };
}

/** The model's PullThroughCacheRule. */
export function renderRule(rule: PullThroughRule, registryId: string) {
  return {
    ...common(rule, registryId),
    upstreamRegistryUrl: rule.upstreamRegistryUrl,
    createdAt: epochSeconds(rule.createdAt),
    ...(rule.upstreamRegistry !== null && { upstreamRegistry: rule.upstreamRegistry }),
    updatedAt: epochSeconds(rule.updatedAt),
  };
}

export function pullThroughActions(rules: PullThroughRules): ApiActionTable {
  return {
    async CreatePullThroughCacheRule(call) {
      const request = input(pullThroughInputs.CreatePullThroughCacheRule, call.body);
      const ctx = context(call, request.registryId);
      const rule = await rules.create(ctx, request);
      const { updatedAt: _u, ...shape } = renderRule(rule, ctx.registry.accountId);
      return shape;
    },

    async DescribePullThroughCacheRules(call) {
      const request = input(pullThroughInputs.DescribePullThroughCacheRules, call.body);
      const ctx = context(call, request.registryId);
      const listing = [ctx.registry.accountId, request.ecrRepositoryPrefixes ?? null];
      const cursor = decodeNextToken(call, DescribeCursor, request.nextToken, listing);
      const page = await rules.describePage(ctx, {
        ...(cursor && { last: cursor.last }),
        ...(request.ecrRepositoryPrefixes && { prefixes: request.ecrRepositoryPrefixes }),
        limit: request.maxResults ?? DEFAULT_PAGE,
      });
      return {
        pullThroughCacheRules: page.rules.map((rule) => renderRule(rule, ctx.registry.accountId)),
        ...(page.last !== undefined && { nextToken: encodeNextToken(call, listing, { last: page.last }) }),
      };
    },

    async UpdatePullThroughCacheRule(call) {
      const request = input(pullThroughInputs.UpdatePullThroughCacheRule, call.body);
      const ctx = context(call, request.registryId);
      const rule = await rules.update(ctx, request.ecrRepositoryPrefix, {
        ...(request.credentialArn !== undefined && { credentialArn: request.credentialArn }),
        ...(request.customRoleArn !== undefined && { customRoleArn: request.customRoleArn }),
      });
      return { ...common(rule, ctx.registry.accountId), updatedAt: epochSeconds(rule.updatedAt) };
    },

    async DeletePullThroughCacheRule(call) {
      const request = input(pullThroughInputs.DeletePullThroughCacheRule, call.body);
      const ctx = context(call, request.registryId);
      const rule = await rules.delete(ctx, request.ecrRepositoryPrefix);
      const { updatedAt: _u, upstreamRegistry: _r, ...shape } = renderRule(rule, ctx.registry.accountId);
      return shape;
    },

    async ValidatePullThroughCacheRule(call) {
      const request = input(pullThroughInputs.ValidatePullThroughCacheRule, call.body);
      const ctx = context(call, request.registryId);
      const { rule, failure } = await rules.validate(ctx, request.ecrRepositoryPrefix);
      return {
        ...common(rule, ctx.registry.accountId),
        upstreamRegistryUrl: rule.upstreamRegistryUrl,
        isValid: failure === undefined,
        ...(failure !== undefined && { failure }),
      };
    },
  };
}
