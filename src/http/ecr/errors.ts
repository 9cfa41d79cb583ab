// ECR's part of the AWS JSON error catalogue: the exceptions of its model (shared/specs/aws/
// ecr.service-2.json) that Berth raises, besides the protocol's own (aws-json/errors.ts). The
// registry's errors read by the ECR faces' shared translation (aws-json/registry-api/errors.ts).
import { AwsJsonError, statusOf, type ProtocolExceptionName } from '../aws-json/errors.js';

/** Exceptions of the ECR model that Berth raises. All are client errors (400) but ServerException. */
export const MODEL_EXCEPTIONS = [
  'EmptyUploadException',
  'ExclusionAlreadyExistsException',
  'ExclusionNotFoundException',
  'ImageAlreadyExistsException',
  'ImageDigestDoesNotMatchException',
  'ImageNotFoundException',
  'ImageStorageClassUpdateNotSupportedException',
  'ImageTagAlreadyExistsException',
  'InvalidLayerException',
  'RegistryPolicyNotFoundException',
  'RepositoryPolicyNotFoundException',
  'InvalidLayerPartException',
  'InvalidParameterException',
  'InvalidTagParameterException',
  'KmsException',
  'LayerAlreadyExistsException',
  'LayerInaccessibleException',
  'LayerPartTooSmallException',
  'LayersNotFoundException',
  'LifecyclePolicyNotFoundException',
  'LifecyclePolicyPreviewInProgressException',
  'LifecyclePolicyPreviewNotFoundException',
  'LimitExceededException',
  'ReferencedImagesNotFoundException',
  'RepositoryAlreadyExistsException',
  'RepositoryNotEmptyException',
  'RepositoryNotFoundException',
  'ServerException',
  'TemplateAlreadyExistsException',
  'TemplateNotFoundException',
  'TooManyTagsException',
  'UnsupportedImageTypeException',
  'UploadNotFoundException',
  'ValidationException',
] as const;

export type EcrExceptionName = (typeof MODEL_EXCEPTIONS)[number] | ProtocolExceptionName;

export class ApiError extends AwsJsonError {
  constructor(type: EcrExceptionName, message: string, fields: Record<string, unknown> = {}) {
    super(type, message, fields, type === 'ServerException' ? 500 : statusOf(type));
  }
}
