// The image actions of ECR Public: DescribeImages, DescribeImageTags, BatchDeleteImage and
// PutImage, over the ordinary image and manifest services on public repositories.
import { z } from 'zod';
import { digestOf, tryParseDigest } from '../../../domain/digest.js';
import { isTag } from '../../../domain/names.js';
import type { PublicRepositoryService } from '../../../public/repositories.js';
import type { DescribedImage } from '../../../registry/images.js';
import type { RegistryServices } from '../../../registry/services.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { modelPattern, validationMessage, violation } from '../../aws-json/validation.js';
import { putImageError } from '../../aws-json/registry-api/errors.js';
import { ApiError } from '../errors.js';
import { publicCall, type PublicFace } from '../call.js';
import { ImageIdentifierList, MaxResults, RegistryId, RegistryIdOrAlias, RepositoryName } from '../shapes.js';

const DEFAULT_PAGE = 100;
const Cursor = z.object({ last: z.string() });

export const publicImageInputs = {
  DescribeImages: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    imageIds: ImageIdentifierList.optional(),
    nextToken: z.string().optional(),
    maxResults: MaxResults.optional(),
  }),
  DescribeImageTags: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    nextToken: z.string().optional(),
    maxResults: MaxResults.optional(),
  }),
  BatchDeleteImage: z.object({
    registryId: RegistryIdOrAlias.optional(),
    repositoryName: RepositoryName,
    imageIds: ImageIdentifierList,
  }),
  PutImage: z.object({
    registryId: RegistryIdOrAlias.optional(),
    repositoryName: RepositoryName,
    imageManifest: z.string().min(1).max(4_194_304),
    imageManifestMediaType: z.string().optional(),
    imageTag: z.string().min(1).max(300).refine(isTag, modelPattern('[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}')).optional(),
    imageDigest: z
      .string()
      .refine((d) => tryParseDigest(d) !== undefined, 'must be a digest such as sha256:<64 hex digits>')
      .optional(),
  }),
};

function imageDetail(registryId: string, repositoryName: string, image: DescribedImage): object {
  return {
    registryId,
    repositoryName,
    imageDigest: image.digest,
    ...(image.tags.length > 0 && { imageTags: image.tags }),
    imageSizeInBytes: image.size,
    imagePushedAt: epochSeconds(image.createdAt),
    imageManifestMediaType: image.mediaType,
    ...(image.artifactType && { artifactMediaType: image.artifactType }),
  };
}

export function publicImageActions(
  face: PublicFace,
  services: RegistryServices,
  publicRepositories: PublicRepositoryService,
): ApiActionTable {
  return {
    async DescribeImages(call) {
      const request = input(publicImageInputs.DescribeImages, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      if (request.imageIds) {
        if (request.nextToken !== undefined || request.maxResults !== undefined)
          throw new ApiError(
            'InvalidParameterException',
            'Invalid parameter: nextToken and maxResults cannot be used with imageIds',
          );
        const missing = request.imageIds.findIndex((id) => id.imageDigest === undefined && id.imageTag === undefined);
        if (missing !== -1)
          throw new ApiError(
            'InvalidParameterException',
            validationMessage([
              violation(
                `imageIds.${missing + 1}.member`,
                request.imageIds[missing],
                'Member must have an imageDigest or an imageTag',
              ),
            ]),
          );
        const found = await services.images.describe(ctx, request.repositoryName, request.imageIds);
        return {
          imageDetails: found.items.map((image) => imageDetail(ctx.registry.accountId, found.repository.name, image)),
        };
      }
      const listing = [ctx.registry, request.repositoryName];
      const cursor = decodeNextToken(call, Cursor, request.nextToken, listing);
      const limit = request.maxResults ?? DEFAULT_PAGE;
      const page = await services.images.list(
        ctx,
        request.repositoryName,
        { tagStatus: 'ANY', imageStatus: 'ANY' },
        cursor ? { last: cursor.last, limit } : { limit },
      );
      return {
        imageDetails: page.items.map((image) => imageDetail(ctx.registry.accountId, page.repository.name, image)),
        ...(page.next && { nextToken: encodeNextToken(call, listing, { last: page.next }) }),
      };
    },

    async DescribeImageTags(call) {
      const request = input(publicImageInputs.DescribeImageTags, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const listing = [ctx.registry, request.repositoryName];
      const cursor = decodeNextToken(call, Cursor, request.nextToken, listing);
      const page = await publicRepositories.tagDetails(ctx, request.repositoryName, {
        ...(cursor && { last: cursor.last }),
        limit: request.maxResults ?? DEFAULT_PAGE,
      });
      return {
        imageTagDetails: page.items.map(({ tag, image, size }) => ({
          imageTag: tag,
          createdAt: epochSeconds(image.createdAt),
          imageDetail: {
            imageDigest: image.digest,
            ...(size !== undefined && { imageSizeInBytes: size }),
            imagePushedAt: epochSeconds(image.createdAt),
            imageManifestMediaType: image.mediaType,
            ...(image.artifactType && { artifactMediaType: image.artifactType }),
          },
        })),
        ...(page.last !== undefined && { nextToken: encodeNextToken(call, listing, { last: page.last }) }),
      };
    },

    async BatchDeleteImage(call) {
      const request = input(publicImageInputs.BatchDeleteImage, call.body);
      const result = await services.images.batchDelete(
        await publicCall(face, call, request.registryId),
        request.repositoryName,
        request.imageIds,
      );
      return { imageIds: result.deleted, failures: result.failures };
    },

    async PutImage(call) {
      const request = input(publicImageInputs.PutImage, call.body);
      const ctx = await publicCall(face, call, request.registryId);
      const bytes = Buffer.from(request.imageManifest, 'utf8');
      const reference = request.imageDigest ?? request.imageTag ?? digestOf(bytes);
      const extraTags = request.imageDigest !== undefined && request.imageTag !== undefined ? [request.imageTag] : [];
      const result = await services.manifests
        .put(ctx, request.repositoryName, reference, bytes, request.imageManifestMediaType, extraTags)
        .catch((err: unknown) => {
          throw putImageError(err);
        });
      if (result.unchanged) {
        throw new ApiError(
          'ImageAlreadyExistsException',
          `Image with digest '${result.digest}' already exists in the repository with name '${request.repositoryName}' in registry with id '${ctx.registry.accountId}'`,
        );
      }
      return {
        image: {
          registryId: ctx.registry.accountId,
          repositoryName: request.repositoryName,
          imageId: {
            imageDigest: result.digest,
            ...(request.imageTag !== undefined && { imageTag: request.imageTag }),
          },
          imageManifest: request.imageManifest,
          imageManifestMediaType: result.mediaType,
        },
      };
    },
  };
}
