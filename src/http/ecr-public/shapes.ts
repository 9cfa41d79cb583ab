// Zod schemas for the ECR Public model's input shapes (shared/specs/aws/ecr-public.service-2.json),
// with the model's bounds; model.test.ts holds the actions against the model.
import { z } from 'zod';
import { base64Blob } from '../aws-json/shapes.js';
import { modelPattern } from '../aws-json/validation.js';
import { REPOSITORY_NAME } from '../../domain/names.js';

export const RegistryId = z.string().regex(/^[0-9]{12}$/, modelPattern('[0-9]{12}'));

/** A registry id or one of its aliases (the layer and image actions take either). */
export const RegistryIdOrAlias = z.string().min(2).max(50);

export const RepositoryName = z
  .string()
  .min(2)
  .max(205)
  .regex(REPOSITORY_NAME, modelPattern('(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*'));

export const MaxResults = z.number().int().min(1).max(1000);

export const RepositoryCatalogDataInput = z.object({
  description: z.string().max(1024).optional(),
  architectures: z.array(z.string().min(1).max(50)).max(50).optional(),
  operatingSystems: z.array(z.string().min(1).max(50)).max(50).optional(),
  logoImageBlob: base64Blob(512_000).optional(),
  aboutText: z.string().max(25_600).optional(),
  usageText: z.string().max(25_600).optional(),
});

export const TagList = z.array(z.object({ Key: z.string(), Value: z.string() })).max(200);

export const ImageIdentifierList = z
  .array(z.object({ imageDigest: z.string().optional(), imageTag: z.string().min(1).max(300).optional() }))
  .min(1)
  .max(100);
