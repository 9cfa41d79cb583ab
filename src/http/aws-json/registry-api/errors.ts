// How the registry's errors read on the ECR faces: ECR and ECR Public name them alike (their
// models share these exceptions), so both register this translation with the host.
import { isRegistryError, RegistryError, type ErrorCode } from '../../../domain/errors.js';
import { KmsError } from '../../../domain/kms-errors.js';
import { LifecycleError } from '../../../domain/lifecycle-errors.js';
import { ManagementError, type ManagementErrorCode } from '../../../domain/management-errors.js';
import { PULL_THROUGH_EXCEPTIONS, PullThroughError } from '../../../domain/pull-through-errors.js';
import { ScanningError } from '../../../domain/scanning-errors.js';
import { ImmutableTagError } from '../../../domain/tag-mutability.js';
import { MISSING_MANIFEST } from '../../../registry/manifests.js';
import { AwsJsonError, statusOf, type ProtocolExceptionName } from '../errors.js';

/** The exceptions the registry's actions and errors read as: the ECR models' names. */
export const REGISTRY_API_EXCEPTIONS = [
  'EmptyUploadException',
  'ImageDigestDoesNotMatchException',
  'ImageNotFoundException',
  'ImageTagAlreadyExistsException',
  'InvalidLayerException',
  'InvalidLayerPartException',
  'InvalidParameterException',
  'InvalidTagParameterException',
  // ECR's only: a key service error in ECR's words (ECR Public has no encryption settings).
  'KmsException',
  'LayerAlreadyExistsException',
  // ECR's only: lifecycle policies and pull time update exclusions.
  'LifecyclePolicyNotFoundException',
  'LifecyclePolicyPreviewNotFoundException',
  'LifecyclePolicyPreviewInProgressException',
  'ExclusionAlreadyExistsException',
  'ExclusionNotFoundException',
  'LimitExceededException',
  // ECR's only: GetDownloadUrlForLayer, which ECR Public lacks.
  'LayerInaccessibleException',
  'LayerPartTooSmallException',
  'LayersNotFoundException',
  // ECR's only: repository creation templates (and their quota).
  'LimitExceededException',
  'ReferencedImagesNotFoundException',
  // ECR Public's only: a registry alias that does not exist.
  'RegistryNotFoundException',
  // ECR's only: the registry policy (ECR Public has none).
  'RegistryPolicyNotFoundException',
  'RepositoryAlreadyExistsException',
  'RepositoryNotEmptyException',
  'RepositoryNotFoundException',
  'RepositoryPolicyNotFoundException',
  // ECR's only: image scanning.
  'ScanNotFoundException',
  'UnsupportedImageTypeException',
  'ServerException',
  // ECR's only: managed signing.
  'SigningConfigurationNotFoundException',
  'TemplateAlreadyExistsException',
  'TemplateNotFoundException',
  'TooManyTagsException',
  'UploadNotFoundException',
  // ECR's only: pull-through cache rules and their secrets.
  ...PULL_THROUGH_EXCEPTIONS,
] as const;

export type RegistryApiExceptionName = (typeof REGISTRY_API_EXCEPTIONS)[number] | ProtocolExceptionName;

/** An exception of the registry's actions. All are client errors (400) but ServerException. */
export class RegistryApiError extends AwsJsonError {
  constructor(type: RegistryApiExceptionName, message: string, fields: Record<string, unknown> = {}) {
    super(type, message, fields, type === 'ServerException' ? 500 : statusOf(type));
  }
}

/** How a registry-level error reads when an action does not say otherwise (refusals are the host's). */
const FROM_REGISTRY: Partial<Record<ErrorCode, RegistryApiExceptionName>> = {
  NAME_UNKNOWN: 'RepositoryNotFoundException',
  NAME_INVALID: 'InvalidParameterException',
  MANIFEST_UNKNOWN: 'ImageNotFoundException',
  MANIFEST_INVALID: 'InvalidParameterException',
  MANIFEST_BLOB_UNKNOWN: 'LayersNotFoundException',
  TAG_INVALID: 'InvalidParameterException',
  DIGEST_INVALID: 'InvalidParameterException',
  BLOB_UNKNOWN: 'LayersNotFoundException',
  BLOB_UPLOAD_UNKNOWN: 'UploadNotFoundException',
  BLOB_UPLOAD_INVALID: 'InvalidLayerPartException',
  RANGE_INVALID: 'InvalidLayerPartException',
  SIZE_INVALID: 'InvalidParameterException',
  PAGINATION_NUMBER_INVALID: 'InvalidParameterException',
};

/** The management operations' errors, each with its exception. */
const FROM_MANAGEMENT: Record<ManagementErrorCode, RegistryApiExceptionName> = {
  REPOSITORY_ALREADY_EXISTS: 'RepositoryAlreadyExistsException',
  REPOSITORY_NOT_EMPTY: 'RepositoryNotEmptyException',
  INVALID_PARAMETER: 'InvalidParameterException',
  INVALID_TAG_PARAMETER: 'InvalidTagParameterException',
  TOO_MANY_TAGS: 'TooManyTagsException',
  REPOSITORY_POLICY_NOT_FOUND: 'RepositoryPolicyNotFoundException',
  REGISTRY_POLICY_NOT_FOUND: 'RegistryPolicyNotFoundException',
  VALIDATION: 'ValidationException',
  REGISTRY_NOT_FOUND: 'RegistryNotFoundException',
  TEMPLATE_ALREADY_EXISTS: 'TemplateAlreadyExistsException',
  TEMPLATE_NOT_FOUND: 'TemplateNotFoundException',
  LIMIT_EXCEEDED: 'LimitExceededException',
  SIGNING_CONFIGURATION_NOT_FOUND: 'SigningConfigurationNotFoundException',
};

/**
 * The registry's errors as the ECR faces name them; a key service error is KmsException naming
 * the KMS error (the model's kmsError). Undefined for errors that are not the registry's.
 */
export function registryApiError(err: unknown): AwsJsonError | undefined {
  if (err instanceof KmsError) return new RegistryApiError('KmsException', err.message, { kmsError: err.type });
  if (err instanceof ManagementError) return new RegistryApiError(FROM_MANAGEMENT[err.code], err.message);
  if (err instanceof LifecycleError) return new RegistryApiError(err.type, err.message);
  if (err instanceof PullThroughError) return new RegistryApiError(err.type, err.message);
  if (err instanceof ScanningError) return new RegistryApiError(err.type, err.message);
  // Before the registry errors: on /v2 the same refusal is TAG_INVALID.
  if (err instanceof ImmutableTagError) return new RegistryApiError('ImageTagAlreadyExistsException', err.message);
  if (err instanceof RegistryError) {
    const type = FROM_REGISTRY[err.code];
    if (type) return new RegistryApiError(type, err.message);
    if (err.status < 500) return new RegistryApiError('InvalidParameterException', err.message);
  }
  return undefined;
}

/** PutImage's refusals by the names the models give them. */
export function putImageError(err: unknown): unknown {
  if (!isRegistryError(err)) return err;
  if (err.code === 'DIGEST_INVALID') return new RegistryApiError('ImageDigestDoesNotMatchException', err.message);
  if (err.code === 'MANIFEST_BLOB_UNKNOWN') {
    const missing = (err.detail as { missing?: { digest: string; reason: string }[] } | undefined)?.missing ?? [];
    const images = missing.filter((m) => m.reason === MISSING_MANIFEST);
    if (images.length > 0)
      return new RegistryApiError(
        'ReferencedImagesNotFoundException',
        `The manifest list references images that are not in the repository: ${images.map((m) => m.digest).join(', ')}`,
      );
    return new RegistryApiError(
      'LayersNotFoundException',
      `Layers with digests [${missing.map((m) => m.digest).join(', ')}] required for pushing image into repository are not found`,
    );
  }
  return err;
}
