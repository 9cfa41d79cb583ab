// Zod schemas for the input shapes the registry's shared actions take, as the ECR models bound
// them (shared/specs/aws/ecr.service-2.json, ecr-public.service-2.json).
import { z } from 'zod';
import { modelPattern } from '../validation.js';

/** Keys and values are bounded by the tag rules (InvalidTagParameterException), not here. */
export const TagList = z.array(z.object({ Key: z.string(), Value: z.string() }));

export const Arn = z.string();

export const LayerDigest = z
  .string()
  .regex(/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/, modelPattern('[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'));

export const UploadId = z
  .string()
  .regex(
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    modelPattern('[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'),
  );

export const PartSize = z.number().int().min(0);
