// ECR managed signing: PutSigningConfiguration, GetSigningConfiguration,
// DeleteSigningConfiguration and DescribeImageSigningStatus, the model's shapes over the signing
// configurations (a rule's signing profile is the KMS signing key aliased by the profile's name).
import { z } from 'zod';
import type { SigningConfigurations } from '../../../registry/signing-configuration.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { context, input } from '../../aws-json/registry-api/call.js';
import { modelPattern } from '../../aws-json/validation.js';
import { ImageIdentifier, RegistryId, RepositoryName } from '../shapes.js';

const PROFILE_PATTERN = '^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\\/signing-profiles\\/[a-zA-Z0-9_]{2,}$';
const FILTER_PATTERN = '^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$';

const SigningConfiguration = z.object({
  rules: z
    .array(
      z.object({
        signingProfileArn: z.string().max(200).regex(new RegExp(PROFILE_PATTERN), modelPattern(PROFILE_PATTERN)),
        repositoryFilters: z
          .array(
            z.object({
              filter: z.string().min(1).max(256).regex(new RegExp(FILTER_PATTERN), modelPattern(FILTER_PATTERN)),
              filterType: z.enum(['WILDCARD_MATCH']),
            }),
          )
          .min(1)
          .max(100)
          .optional(),
      }),
    )
    .max(10),
});

/** Input schemas by action, for the model conformance test. */
export const signingInputs = {
  PutSigningConfiguration: z.object({ signingConfiguration: SigningConfiguration }),
  GetSigningConfiguration: z.object({}),
  DeleteSigningConfiguration: z.object({}),
  DescribeImageSigningStatus: z.object({
    repositoryName: RepositoryName,
    imageId: ImageIdentifier,
    registryId: RegistryId.optional(),
  }),
};

export function signingActions(signing: SigningConfigurations): ApiActionTable {
  return {
    async PutSigningConfiguration(call) {
      const request = input(signingInputs.PutSigningConfiguration, call.body);
      const rules = await signing.put(context(call), request.signingConfiguration.rules);
      return { signingConfiguration: { rules } };
    },

    async GetSigningConfiguration(call) {
      input(signingInputs.GetSigningConfiguration, call.body);
      const ctx = context(call);
      return { registryId: ctx.registry.accountId, signingConfiguration: { rules: await signing.get(ctx) } };
    },

    async DeleteSigningConfiguration(call) {
      input(signingInputs.DeleteSigningConfiguration, call.body);
      const ctx = context(call);
      return { registryId: ctx.registry.accountId, signingConfiguration: { rules: await signing.delete(ctx) } };
    },

    async DescribeImageSigningStatus(call) {
      const request = input(signingInputs.DescribeImageSigningStatus, call.body);
      const ctx = context(call, request.registryId);
      const out = await signing.statuses(ctx, request.repositoryName, request.imageId);
      return {
        repositoryName: request.repositoryName,
        imageId: { imageDigest: out.digest, ...(out.tag !== undefined && { imageTag: out.tag }) },
        registryId: ctx.registry.accountId,
        signingStatuses: out.statuses.map((s) => ({
          signingProfileArn: s.signingProfileArn,
          status: s.status,
          ...(s.failureCode !== null && { failureCode: s.failureCode }),
          ...(s.failureReason !== null && { failureReason: s.failureReason }),
        })),
      };
    },
  };
}
