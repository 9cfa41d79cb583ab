// The image actions of the ECR API: ListImages, DescribeImages, ListImageReferrers, BatchGetImage,
// BatchDeleteImage and PutImage, over the image view (registry/images.ts), the listings and the
// manifests service.
import { z } from 'zod';
import { digestOf, tryParseDigest } from '../../../domain/digest.js';
import { isTag } from '../../../domain/names.js';
import type { ImageScan } from '../../../domain/records/scanning.js';
import type { DescribedImage, ImageFilter } from '../../../registry/images.js';
import type { RegistryServices } from '../../../registry/services.js';
import { epochSeconds, type ApiActionTable } from '../../aws-json/call.js';
import { context, decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { modelPattern, validationMessage, violation } from '../../aws-json/validation.js';
import { putImageError } from '../../aws-json/registry-api/errors.js';
import { ApiError } from '../errors.js';
import { ImageIdentifierList, ImagesFilter, ImageTag, MaxResults, RegistryId, RepositoryName } from '../shapes.js';
import { importImages, withUpstreamFailures } from './pull-through-imports.js';
import { scanDetail } from './scanning.js';

/** Page size when a request gives no maxResults (the model's documented default). */
const DEFAULT_PAGE = 100;
const MAX_MANIFEST = 4_194_304;
const Digest = z
  .string()
  .refine((d) => tryParseDigest(d) !== undefined, 'must be a digest such as sha256:<64 hex digits>');

const ListImagesRequest = z.object({
  registryId: RegistryId.optional(),
  repositoryName: RepositoryName,
  nextToken: z.string().optional(),
  maxResults: MaxResults.optional(),
  filter: ImagesFilter.optional(),
});

const DescribeImagesRequest = ListImagesRequest.extend({
  imageIds: ImageIdentifierList.optional(),
});

const BatchGetImageRequest = z.object({
  registryId: RegistryId.optional(),
  repositoryName: RepositoryName,
  imageIds: ImageIdentifierList,
  acceptedMediaTypes: z.array(z.string()).min(1).max(100).optional(),
});

const BatchDeleteImageRequest = z.object({
  registryId: RegistryId.optional(),
  repositoryName: RepositoryName,
  imageIds: ImageIdentifierList,
});

const PutImageRequest = z.object({
  registryId: RegistryId.optional(),
  repositoryName: RepositoryName,
  imageManifest: z.string().min(1).max(MAX_MANIFEST),
  imageManifestMediaType: z.string().optional(),
  imageTag: ImageTag.refine(isTag, modelPattern('[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}')).optional(),
  imageDigest: Digest.optional(),
});

const ListImageReferrersRequest = z.object({
  registryId: RegistryId.optional(),
  repositoryName: RepositoryName,
  subjectId: z.object({ imageDigest: Digest }),
  filter: z
    .object({
      artifactTypes: z.array(z.string().min(1).max(255)).max(5).optional(),
      artifactStatus: z.enum(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY']).optional(),
    })
    .optional(),
  nextToken: z.string().optional(),
  maxResults: z.number().int().min(1).max(50).optional(),
});

const ListCursor = z.object({ digest: z.string(), tag: z.string().nullable() });
const DescribeCursor = z.object({ last: z.string() });
const ReferrersCursor = z.object({ after: z.string() });
/** ListImageReferrers' page size when a request gives no maxResults (the model's documented default). */
const DEFAULT_REFERRERS_PAGE = 20;

/** Without an imageStatus, only ACTIVE images are listed (as the model documents). */
function filterOf(filter: z.infer<typeof ImagesFilter> | undefined): ImageFilter {
  return { tagStatus: filter?.tagStatus ?? 'ANY', imageStatus: filter?.imageStatus ?? 'ACTIVE' };
}

/** The scans of a repository's images by digest (DescribeImages' imageScanStatus and summary). */
export type ScanSummaries = (
  accountId: string,
  repositoryName: string,
  digests: string[],
) => Promise<Map<string, ImageScan>>;

function imageDetail(registryId: string, repositoryName: string, image: DescribedImage, scan?: ImageScan): object {
  return {
    registryId,
    repositoryName,
    imageDigest: image.digest,
    ...(image.tags.length > 0 && { imageTags: image.tags }),
    imageSizeInBytes: image.size,
    imagePushedAt: epochSeconds(image.createdAt),
    imageManifestMediaType: image.mediaType,
    ...(image.artifactType && { artifactMediaType: image.artifactType }),
    ...(image.lastPulledAt !== null && { lastRecordedPullTime: epochSeconds(image.lastPulledAt) }),
    ...(image.subjectDigest && { subjectManifestDigest: image.subjectDigest }),
    imageStatus: image.imageStatus ?? 'ACTIVE',
    ...(typeof image.lastArchivedAt === 'number' && { lastArchivedAt: epochSeconds(image.lastArchivedAt) }),
    ...(typeof image.lastActivatedAt === 'number' && { lastActivatedAt: epochSeconds(image.lastActivatedAt) }),
    ...scanDetail(scan),
  };
}

export function imageActions(services: RegistryServices, scanSummaries?: ScanSummaries): ApiActionTable {
  const scansOf = async (accountId: string, repositoryName: string, images: DescribedImage[]) =>
    scanSummaries
      ? scanSummaries(
          accountId,
          repositoryName,
          images.map((i) => i.digest),
        )
      : new Map<string, ImageScan>();
  return {
    async ListImages(call) {
      const request = input(ListImagesRequest, call.body);
      const ctx = context(call, request.registryId);
      const filter = filterOf(request.filter);
      const listing = [ctx.registry.accountId, request.repositoryName, filter.tagStatus, filter.imageStatus];
      const after = decodeNextToken(call, ListCursor, request.nextToken, listing);
      const limit = request.maxResults ?? DEFAULT_PAGE;
      const page = await services.images.ids(ctx, request.repositoryName, filter, after ? { after, limit } : { limit });
      return {
        imageIds: page.items.map((id) => ({ imageDigest: id.digest, ...(id.tag !== null && { imageTag: id.tag }) })),
        ...(page.next && { nextToken: encodeNextToken(call, listing, page.next) }),
      };
    },

    async DescribeImages(call) {
      const request = input(DescribeImagesRequest, call.body);
      const ctx = context(call, request.registryId);
      if (request.imageIds) {
        if (request.nextToken !== undefined || request.maxResults !== undefined) {
          throw new ApiError(
            'InvalidParameterException',
            'Invalid parameter: nextToken and maxResults cannot be used with imageIds',
          );
        }
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
        const scans = await scansOf(found.repository.accountId, found.repository.name, found.items);
        return {
          imageDetails: found.items.map((image) =>
            imageDetail(found.repository.accountId, found.repository.name, image, scans.get(image.digest)),
          ),
        };
      }
      const filter = filterOf(request.filter);
      const listing = [ctx.registry.accountId, request.repositoryName, filter.tagStatus, filter.imageStatus];
      const cursor = decodeNextToken(call, DescribeCursor, request.nextToken, listing);
      const limit = request.maxResults ?? DEFAULT_PAGE;
      const page = await services.images.list(
        ctx,
        request.repositoryName,
        filter,
        cursor ? { last: cursor.last, limit } : { limit },
      );
      const scans = await scansOf(page.repository.accountId, page.repository.name, page.items);
      return {
        imageDetails: page.items.map((image) =>
          imageDetail(page.repository.accountId, page.repository.name, image, scans.get(image.digest)),
        ),
        ...(page.next && { nextToken: encodeNextToken(call, listing, { last: page.next }) }),
      };
    },

    async ListImageReferrers(call) {
      const request = input(ListImageReferrersRequest, call.body);
      const ctx = context(call, request.registryId);
      // ACTIVE artifacts unless the filter asks for others (as DescribeImages' imageStatus).
      const status = request.filter?.artifactStatus ?? 'ACTIVE';
      const listing = [
        ctx.registry.accountId,
        request.repositoryName,
        request.subjectId.imageDigest,
        request.filter?.artifactTypes ?? [],
        status,
      ];
      const cursor = decodeNextToken(call, ReferrersCursor, request.nextToken, listing);
      const page = await services.listings.referrersPage(
        ctx,
        request.repositoryName,
        request.subjectId.imageDigest,
        request.filter?.artifactTypes ?? [],
        {
          ...(cursor && { after: cursor.after }),
          limit: request.maxResults ?? DEFAULT_REFERRERS_PAGE,
        },
        status,
      );
      return {
        referrers: page.referrers,
        ...(page.next && { nextToken: encodeNextToken(call, listing, { after: page.next }) }),
      };
    },

    async BatchGetImage(call) {
      const request = input(BatchGetImageRequest, call.body);
      const ctx = context(call, request.registryId);
      const upstream = await importImages(services, ctx, request.repositoryName, request.imageIds);
      const result = await services.images.batchGet(
        ctx,
        request.repositoryName,
        request.imageIds,
        request.acceptedMediaTypes,
      );
      return {
        images: result.images.map(({ imageId, record, bytes }) => ({
          registryId: result.repository.accountId,
          repositoryName: result.repository.name,
          imageId,
          imageManifest: bytes.toString('utf8'),
          imageManifestMediaType: record.mediaType,
        })),
        failures: withUpstreamFailures(result.failures, upstream),
      };
    },

    async BatchDeleteImage(call) {
      const request = input(BatchDeleteImageRequest, call.body);
      const result = await services.images.batchDelete(
        context(call, request.registryId),
        request.repositoryName,
        request.imageIds,
      );
      return { imageIds: result.deleted, failures: result.failures };
    },

    async PutImage(call) {
      const request = input(PutImageRequest, call.body);
      const ctx = context(call, request.registryId);
      const bytes = Buffer.from(request.imageManifest, 'utf8');
      // By digest (then the tag as an extra tag), else by tag, else by the manifest's own digest.
      const reference = request.imageDigest ?? request.imageTag ?? digestOf(bytes);
      const extraTags = request.imageDigest !== undefined && request.imageTag !== undefined ? [request.imageTag] : [];
      const result = await services.manifests
        .put(ctx, request.repositoryName, reference, bytes, request.imageManifestMediaType, extraTags)
        .catch((err: unknown) => {
          throw putImageError(err);
        });
      if (result.unchanged) {
        const tagged = request.imageTag === undefined ? '' : ` and tag '${request.imageTag}'`;
        throw new ApiError(
          'ImageAlreadyExistsException',
          `Image with digest '${result.digest}'${tagged} already exists in the repository with name '${request.repositoryName}' in registry with id '${ctx.registry.accountId}'`,
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
