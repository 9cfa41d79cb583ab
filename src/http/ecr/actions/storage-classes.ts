// UpdateImageStorageClass: moves an image between ECR's STANDARD and ARCHIVE storage classes
// (registry/storage-classes.ts); answers with the image's status once the change is recorded.
import { z } from 'zod';
import { StorageClassUpdateNotSupported } from '../../../domain/storage-class-errors.js';
import type { RegistryServices } from '../../../registry/services.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { context, input } from '../../aws-json/registry-api/call.js';
import { ApiError } from '../errors.js';
import { ImageIdentifier, RegistryId, RepositoryName } from '../shapes.js';

const UpdateImageStorageClassRequest = z.object({
  registryId: RegistryId.optional(),
  repositoryName: RepositoryName,
  imageId: ImageIdentifier,
  targetStorageClass: z.enum(['STANDARD', 'ARCHIVE']),
});

/** The request schema, for the model conformance test. */
export const storageClassInputs = { UpdateImageStorageClass: UpdateImageStorageClassRequest };

export function storageClassActions(services: RegistryServices): ApiActionTable {
  return {
    async UpdateImageStorageClass(call) {
      const request = input(UpdateImageStorageClassRequest, call.body);
      const result = await services.storageClasses
        .update(context(call, request.registryId), request.repositoryName, request.imageId, request.targetStorageClass)
        .catch((err: unknown) => {
          if (err instanceof StorageClassUpdateNotSupported)
            throw new ApiError('ImageStorageClassUpdateNotSupportedException', err.message);
          throw err;
        });
      return {
        registryId: result.repository.accountId,
        repositoryName: result.repository.name,
        imageId: result.imageId,
        imageStatus: result.imageStatus,
      };
    },
  };
}
