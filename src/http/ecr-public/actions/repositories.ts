// The public repository actions of ECR Public: CreateRepository, DescribeRepositories,
// DeleteRepository, Get/PutRepositoryCatalogData and Set/Get/DeleteRepositoryPolicy.
import { z } from 'zod';
import type { CatalogDataInput, PublicRepositoryService } from '../../../public/repositories.js';
import type { RepositoryCatalog } from '../../../domain/records/public.js';
import type { PolicyService } from '../../../registry/policies.js';
import type { RepositoryService } from '../../../registry/repositories.js';
import { publicRegistry } from '../../../domain/registry.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { ApiError } from '../errors.js';
import { publicCall, renderRepository, type PublicFace } from '../call.js';
import { MaxResults, RegistryId, RepositoryCatalogDataInput, RepositoryName, TagList } from '../shapes.js';

const DEFAULT_PAGE = 100;
const DescribeCursor = z.object({ last: z.string() });

export const publicRepositoryInputs = {
  CreateRepository: z.object({
    repositoryName: RepositoryName,
    catalogData: RepositoryCatalogDataInput.optional(),
    tags: TagList.optional(),
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
  GetRepositoryCatalogData: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
  PutRepositoryCatalogData: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    catalogData: RepositoryCatalogDataInput,
  }),
  SetRepositoryPolicy: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    policyText: z.string().max(10_240),
    force: z.boolean().optional(),
  }),
  GetRepositoryPolicy: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
  DeleteRepositoryPolicy: z.object({ registryId: RegistryId.optional(), repositoryName: RepositoryName }),
};

function catalogInput(data: z.infer<typeof RepositoryCatalogDataInput>): CatalogDataInput {
  const { logoImageBlob, ...rest } = data;
  return { ...rest, ...(logoImageBlob !== undefined && { logoImageBlob: Buffer.from(logoImageBlob, 'base64') }) };
}

/** The model's RepositoryCatalogData: what is set, the logo as a URL on the public listener. */
export function renderCatalog(face: PublicFace, repositoryId: string, catalog: RepositoryCatalog): object {
  return {
    ...(catalog.description !== null && { description: catalog.description }),
    ...(catalog.architectures.length > 0 && { architectures: catalog.architectures }),
    ...(catalog.operatingSystems.length > 0 && { operatingSystems: catalog.operatingSystems }),
    ...(catalog.logo && { logoUrl: `${face.endpoint.baseUrl()}/logos/${repositoryId}` }),
    ...(catalog.aboutText !== null && { aboutText: catalog.aboutText }),
    ...(catalog.usageText !== null && { usageText: catalog.usageText }),
    marketplaceCertified: false,
  };
}

export function publicRepositoryActions(
  face: PublicFace,
  publicRepositories: PublicRepositoryService,
  repositories: RepositoryService,
  policies: PolicyService,
): ApiActionTable {
  return {
    async CreateRepository(call) {
      const request = input(publicRepositoryInputs.CreateRepository, call.body);
      const { repository, catalog } = await publicRepositories.create(call.principal, {
        name: request.repositoryName,
        ...(request.catalogData && { catalogData: catalogInput(request.catalogData) }),
        ...(request.tags && { tags: request.tags.map((t) => ({ key: t.Key, value: t.Value })) }),
      });
      return {
        repository: await renderRepository(face, call.principal.accountId, repository),
        catalogData: renderCatalog(face, repository.id, catalog),
      };
    },

    async DescribeRepositories(call) {
      const request = input(publicRepositoryInputs.DescribeRepositories, call.body);
      const ctx = {
        principal: call.principal,
        registry: publicRegistry(request.registryId ?? call.principal.accountId),
      };
      if (request.repositoryNames) {
        if (request.nextToken !== undefined || request.maxResults !== undefined) {
          throw new ApiError(
            'InvalidParameterException',
            'nextToken and maxResults cannot be used with repositoryNames',
          );
        }
        const found = await repositories.describeNamed(ctx, request.repositoryNames);
        return { repositories: await Promise.all(found.map((r) => renderRepository(face, ctx.registry.accountId, r))) };
      }
      const listing = [ctx.registry];
      const cursor = decodeNextToken(call, DescribeCursor, request.nextToken, listing);
      const page = await repositories.describePage(ctx, {
        ...(cursor && { last: cursor.last }),
        limit: request.maxResults ?? DEFAULT_PAGE,
      });
      return {
        repositories: await Promise.all(
          page.repositories.map((r) => renderRepository(face, ctx.registry.accountId, r)),
        ),
        ...(page.last !== undefined && { nextToken: encodeNextToken(call, listing, { last: page.last }) }),
      };
    },

    async DeleteRepository(call) {
      const request = input(publicRepositoryInputs.DeleteRepository, call.body);
      const ctx = {
        principal: call.principal,
        registry: publicRegistry(request.registryId ?? call.principal.accountId),
      };
      const repository = await repositories.delete(ctx, request.repositoryName, request.force ?? false);
      return { repository: await renderRepository(face, ctx.registry.accountId, repository) };
    },

    async GetRepositoryCatalogData(call) {
      const request = input(publicRepositoryInputs.GetRepositoryCatalogData, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const { repository, catalog } = await publicRepositories.catalog(ctx, request.repositoryName);
      return { catalogData: renderCatalog(face, repository.id, catalog) };
    },

    async PutRepositoryCatalogData(call) {
      const request = input(publicRepositoryInputs.PutRepositoryCatalogData, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const { repository, catalog } = await publicRepositories.putCatalog(
        ctx,
        request.repositoryName,
        catalogInput(request.catalogData),
      );
      return { catalogData: renderCatalog(face, repository.id, catalog) };
    },

    async SetRepositoryPolicy(call) {
      const request = input(publicRepositoryInputs.SetRepositoryPolicy, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const policyText = (
        await policies.setRepositoryPolicy(ctx, request.repositoryName, request.policyText, request.force ?? false)
      ).policyText;
      return { registryId: ctx.registry.accountId, repositoryName: request.repositoryName, policyText };
    },

    async GetRepositoryPolicy(call) {
      const request = input(publicRepositoryInputs.GetRepositoryPolicy, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const policyText = (await policies.getRepositoryPolicy(ctx, request.repositoryName)).policyText;
      return { registryId: ctx.registry.accountId, repositoryName: request.repositoryName, policyText };
    },

    async DeleteRepositoryPolicy(call) {
      const request = input(publicRepositoryInputs.DeleteRepositoryPolicy, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const policyText = (await policies.deleteRepositoryPolicy(ctx, request.repositoryName)).policyText;
      return { registryId: ctx.registry.accountId, repositoryName: request.repositoryName, policyText };
    },
  };
}
