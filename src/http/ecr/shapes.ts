// Zod schemas for the ECR model's shared input shapes (shared/specs/aws/ecr.service-2.json),
// with the model's bounds; model.test.ts holds them against the model. The shapes of the actions
// ECR shares with ECR Public are in aws-json/registry-api/shapes.ts.
import { z } from 'zod';
import { modelPattern } from '../aws-json/validation.js';
import { REPOSITORY_NAME } from '../../domain/names.js';
import { IMAGE_TAG_MUTABILITIES, EXCLUSION_FILTER_PATTERN } from '../../domain/tag-mutability.js';

export const RegistryId = z.string().regex(/^[0-9]{12}$/, modelPattern('[0-9]{12}'));

export const RepositoryName = z
  .string()
  .min(2)
  .max(256)
  .regex(REPOSITORY_NAME, modelPattern('[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*'));

export const ImageTagMutability = z.enum(IMAGE_TAG_MUTABILITIES);

export const ImageTagMutabilityExclusionFilters = z
  .array(
    z.object({
      filterType: z.enum(['WILDCARD']),
      filter: z.string().min(1).max(128).regex(EXCLUSION_FILTER_PATTERN),
    }),
  )
  .min(1)
  .max(5);

export const ImageTag = z.string().min(1).max(300);

export const ImageIdentifier = z.object({ imageDigest: z.string().optional(), imageTag: ImageTag.optional() });

export const ImageIdentifierList = z.array(ImageIdentifier).min(1).max(100);

export const MaxResults = z.number().int().min(1).max(1000);

export const TagStatus = z.enum(['TAGGED', 'UNTAGGED', 'ANY']);

export const ImageStatusFilter = z.enum(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY']);

/** ListImagesFilter and DescribeImagesFilter have the same members. */
export const ImagesFilter = z.object({ tagStatus: TagStatus.optional(), imageStatus: ImageStatusFilter.optional() });
