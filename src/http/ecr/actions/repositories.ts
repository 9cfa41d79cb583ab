// CreateRepository, DescribeRepositories, DeleteRepository, PutImageTagMutability: parse by the
// model's shapes, call the repository service, render the model's Repository.
import { z } from 'zod';
import { privateRegistry } from '../../../domain/registry.js';
import type { Repository } from '../../../domain/records/repositories.js';
import type { RepositoryAccess } from '../../../registry/access.js';
import type { RepositoryService } from '../../../registry/repositories.js';
import { hostForAccount, type HostRules } from '../../hosts.js';
import { epochSeconds, type ApiActionTable, type ApiCall } from '../../aws-json/call.js';
import { context, decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { ApiError } from '../errors.js';
import {
  ImageTagMutability,
  ImageTagMutabilityExclusionFilters,
  MaxResults,
  RegistryId,
  RepositoryName,
} from '../shapes.js';
import { TagList } from '../../aws-json/registry-api/shapes.js';

/** Page size when a request gives no maxResults (the model's documented default). */
const DEFAULT_PAGE = 100;
const DescribeCursor = z.object({ last: z.string() });

/** Input schemas by action, for the model conformance test. */
export const repositoryInputs = {
  CreateRepository: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    tags: TagList.optional(),
    imageTagMutability: ImageTagMutability.optional(),
    imageTagMutabilityExclusionFilters: ImageTagMutabilityExclusionFilters.optional(),
    imageScanningConfiguration: z.object({ scanOnPush: z.boolean().optional() }).optional(),
    encryptionConfiguration: z
      .object({
        encryptionType: z.enum(['AES256', 'KMS', 'KMS_DSSE']),
        kmsKey: z.string().min(1).max(2048).optional(),
      })
      .optional(),
  }),
  DescribeRepositories: z.object({
    registryId: RegistryId.optional(),
    repositoryNames: z.array(RepositoryName).min(1).max(100).optional(),
    nextToken: z.string().optional(),
    maxResults: MaxResults.optional(),
  }),
  DeleteRepository: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    force: z.boolean().optional(),
  }),
  PutImageTagMutability: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    imageTagMutability: ImageTagMutability,
    imageTagMutabilityExclusionFilters: ImageTagMutabilityExclusionFilters.optional(),
  }),
};

export function repositoryActions(
  repositories: RepositoryService,
  access: RepositoryAccess,
  defaultAccountId: string,
  rules: HostRules,
): ApiActionTable {
  const render = (call: ApiCall, repository: Repository) => ({
    repositoryArn: access.repositoryArn(privateRegistry(repository.accountId), repository.name),
    registryId: repository.accountId,
    repositoryName: repository.name,
    repositoryUri: `${hostForAccount(repository.accountId, defaultAccountId, call.host, rules)}/${repository.name}`,
    createdAt: epochSeconds(repository.createdAt),
    imageTagMutability: repository.imageTagMutability,
    ...(repository.imageTagMutabilityExclusionFilters.length > 0 && {
      imageTagMutabilityExclusionFilters: repository.imageTagMutabilityExclusionFilters,
    }),
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    encryptionConfiguration: {
      encryptionType: repository.encryptionType,
      ...(repository.kmsKey !== null && { kmsKey: repository.kmsKey }),
    },
  });

  return {
    async CreateRepository(call) {
      const request = input(repositoryInputs.CreateRepository, call.body);
      const repository = await repositories.create(
        context(
          call,
          request.registryId,
          request.tags && Object.fromEntries(request.tags.map((t) => [t.Key, t.Value])),
        ),
        {
          name: request.repositoryName,
          tags: (request.tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
          ...(request.imageTagMutability && { imageTagMutability: request.imageTagMutability }),
          ...(request.imageTagMutabilityExclusionFilters && {
            imageTagMutabilityExclusionFilters: request.imageTagMutabilityExclusionFilters,
          }),
          ...(request.imageScanningConfiguration?.scanOnPush !== undefined && {
            scanOnPush: request.imageScanningConfiguration.scanOnPush,
          }),
          ...(request.encryptionConfiguration && { encryption: request.encryptionConfiguration }),
        },
      );
      return { repository: render(call, repository) };
    },

    async DescribeRepositories(call) {
      const request = input(repositoryInputs.DescribeRepositories, call.body);
      const ctx = context(call, request.registryId);
      if (request.repositoryNames) {
        if (request.nextToken !== undefined || request.maxResults !== undefined) {
          throw new ApiError(
            'InvalidParameterException',
            'nextToken and maxResults cannot be used with repositoryNames',
          );
        }
        return {
          repositories: (await repositories.describeNamed(ctx, request.repositoryNames)).map((r) => render(call, r)),
        };
      }
      const listing = [ctx.registry.accountId];
      const cursor = decodeNextToken(call, DescribeCursor, request.nextToken, listing);
      const page = await repositories.describePage(ctx, {
        ...(cursor && { last: cursor.last }),
        limit: request.maxResults ?? DEFAULT_PAGE,
      });
      return {
        repositories: page.repositories.map((r) => render(call, r)),
        ...(page.last !== undefined && { nextToken: encodeNextToken(call, listing, { last: page.last }) }),
      };
    },

    async DeleteRepository(call) {
      const request = input(repositoryInputs.DeleteRepository, call.body);
      const repository = await repositories.delete(
        context(call, request.registryId),
        request.repositoryName,
        request.force ?? false,
      );
      return { repository: render(call, repository) };
    },

    async PutImageTagMutability(call) {
      const request = input(repositoryInputs.PutImageTagMutability, call.body);
      const repository = await repositories.putTagMutability(
        context(call, request.registryId),
        request.repositoryName,
        request.imageTagMutability,
        request.imageTagMutabilityExclusionFilters,
      );
      return {
        registryId: repository.accountId,
        repositoryName: repository.name,
        imageTagMutability: repository.imageTagMutability,
        ...(repository.imageTagMutabilityExclusionFilters.length > 0 && {
          imageTagMutabilityExclusionFilters: repository.imageTagMutabilityExclusionFilters,
        }),
      };
    },
  };
}
