// Input shapes of the ECR model (shared/specs/aws/ecr.service-2.json) shared by several actions,
// with the model's constraints, as zod schemas.
import { z } from 'zod';
import { isRepositoryName } from '../../domain/names.js';

export const RegistryId = z.string().regex(/^[0-9]{12}$/, 'registryId must be a 12-digit account id');

export const RepositoryName = z.string().min(2).max(256)
  .refine(isRepositoryName, "must satisfy regular expression '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*'");

export const ImageTag = z.string().min(1).max(300);

export const ImageIdentifier = z.object({ imageDigest: z.string().optional(), imageTag: ImageTag.optional() });

export const ImageIdentifierList = z.array(ImageIdentifier).min(1).max(100);

export const MaxResults = z.number().int().min(1).max(1000);

export const TagStatus = z.enum(['TAGGED', 'UNTAGGED', 'ANY']);

export const ImageStatusFilter = z.enum(['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY']);

/** ListImagesFilter and DescribeImagesFilter have the same members. */
export const ImagesFilter = z.object({ tagStatus: TagStatus.optional(), imageStatus: ImageStatusFilter.optional() });

export const LayerDigest = z.string().regex(/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/, "must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");

export const UploadId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be an upload id from InitiateLayerUpload');

export const PartSize = z.number().int().min(0);
