// The ECR API's one error boundary: exceptions by the model's names (shared/specs/aws/
// ecr.service-2.json) plus the AWS JSON protocol's common ones, rendered as {"__type","message"}.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError, type ErrorCode } from '../../domain/errors.js';
import { ManagementError, type ManagementErrorCode } from '../../domain/management-errors.js';
import { KMS_EXCEPTIONS, KmsError, type KmsExceptionName } from '../../domain/kms-errors.js';
import { ImmutableTagError } from '../../domain/tag-mutability.js';
import { IntegrityError } from '../../domain/integrity.js';
import { SignatureError } from '../../iam/sigv4.js';
import { isStorageFull, STORAGE_FULL_MESSAGE } from '../../domain/storage-full.js';

/** Exceptions of the AWS JSON protocol itself (not in the service model), with their statuses. */
export const COMMON_EXCEPTIONS: Record<string, number> = {
  AccessDeniedException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  MissingAuthenticationTokenException: 403,
  SerializationException: 400,
  UnknownOperationException: 400,
  UnrecognizedClientException: 400,
  ValidationException: 400,
};

/** Exceptions of the ECR model that Berth raises. All are client errors (400) but ServerException. */
export const MODEL_EXCEPTIONS = [
  'EmptyUploadException',
  'ImageAlreadyExistsException',
  'ImageDigestDoesNotMatchException',
  'ImageNotFoundException',
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
  'LimitExceededException',
  'ReferencedImagesNotFoundException',
  'RepositoryAlreadyExistsException',
  'RepositoryNotEmptyException',
  'RepositoryNotFoundException',
  'ServerException',
  'TooManyTagsException',
  'UnsupportedImageTypeException',
  'UploadNotFoundException',
  'ValidationException',
] as const;

/** The key service's exceptions (KMS model) whose status is not 400. */
const KMS_STATUS: Partial<Record<KmsExceptionName, number>> = {
  KMSInternalException: 500,
  DryRunOperationException: 412,
};

/** Exceptions only the ECR Public model has (shared/specs/aws/ecr-public.service-2.json). */
export const PUBLIC_MODEL_EXCEPTIONS = [
  'RegistryNotFoundException',
  'RepositoryCatalogDataNotFoundException',
  'UnsupportedCommandException',
] as const;

export type ApiExceptionName =
  | (typeof MODEL_EXCEPTIONS)[number]
  | (typeof PUBLIC_MODEL_EXCEPTIONS)[number]
  | keyof typeof COMMON_EXCEPTIONS
  | KmsExceptionName;

export { KMS_EXCEPTIONS };

export class ApiError extends Error {
  /** `statusOverride`: a status other than the exception's own (507 for a full storage). */
  constructor(
    readonly type: ApiExceptionName,
    message: string,
    readonly fields: Record<string, unknown> = {},
    private readonly statusOverride?: number,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return (
      this.statusOverride ??
      COMMON_EXCEPTIONS[this.type] ??
      KMS_STATUS[this.type as KmsExceptionName] ??
      (this.type === 'ServerException' ? 500 : 400)
    );
  }
}

/** How a registry-level error reads on the ECR API when an action does not say otherwise. */
const FROM_REGISTRY: Partial<Record<ErrorCode, ApiExceptionName>> = {
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
  DENIED: 'AccessDeniedException',
  UNAUTHORIZED: 'AccessDeniedException',
  PAGINATION_NUMBER_INVALID: 'InvalidParameterException',
};

/** The management operations' errors, each with its exception. */
const FROM_MANAGEMENT: Record<ManagementErrorCode, ApiExceptionName> = {
  REPOSITORY_ALREADY_EXISTS: 'RepositoryAlreadyExistsException',
  REPOSITORY_NOT_EMPTY: 'RepositoryNotEmptyException',
  INVALID_PARAMETER: 'InvalidParameterException',
  INVALID_TAG_PARAMETER: 'InvalidTagParameterException',
  TOO_MANY_TAGS: 'TooManyTagsException',
  REPOSITORY_POLICY_NOT_FOUND: 'RepositoryPolicyNotFoundException',
  REGISTRY_POLICY_NOT_FOUND: 'RegistryPolicyNotFoundException',
  VALIDATION: 'ValidationException',
  REGISTRY_NOT_FOUND: 'RegistryNotFoundException',
};

/**
 * How errors read on an API. On ECR a key service error is KmsException naming the KMS error
 * (the model's kmsError); the key service's own API renders it by name (`kmsNames`).
 */
export function toApiError(err: unknown, kmsNames = false): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // The operator's to fix, not a bug: the model's server fault, but 507 and saying why.
  if (isStorageFull(err) || (err instanceof RegistryError && err.status === 507))
    return new ApiError('ServerException', STORAGE_FULL_MESSAGE, {}, 507);
  if (err instanceof KmsError)
    return kmsNames
      ? new ApiError(err.type, err.message)
      : new ApiError('KmsException', err.message, { kmsError: err.type });
  if (err instanceof IntegrityError)
    return new ApiError('ServerException', `stored content failed its integrity check: ${err.message}`);
  if (err instanceof ManagementError) return new ApiError(FROM_MANAGEMENT[err.code], err.message);
  // Before the registry errors: on /v2 the same refusal is TAG_INVALID.
  if (err instanceof ImmutableTagError) return new ApiError('ImageTagAlreadyExistsException', err.message);
  if (err instanceof SignatureError)
    return new ApiError(
      err.type === 'SignatureDoesNotMatch'
        ? 'InvalidSignatureException'
        : err.type === 'ExpiredTokenException'
          ? 'UnrecognizedClientException'
          : err.type,
      err.message,
    );
  if (err instanceof RegistryError) {
    const type = FROM_REGISTRY[err.code];
    if (type) return new ApiError(type, err.message);
    if (err.status < 500) return new ApiError('InvalidParameterException', err.message);
  }
  return undefined;
}

export function renderApiError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const target = request.headers['x-amz-target'];
  let error = toApiError(err, typeof target === 'string' && target.startsWith('TrentService.'));
  if (err instanceof IntegrityError) request.log.error({ err }, 'stored content failed its integrity check');
  if (error?.status === 507) request.log.error({ err }, 'storage is full');
  if (!error) {
    request.log.error({ err }, 'API request failed');
    error = new ApiError('ServerException', 'An internal error occurred.');
  }
  return reply
    .code(error.status)
    .header('x-amzn-RequestId', request.id)
    .header('x-amzn-ErrorType', error.type)
    .type('application/x-amz-json-1.1')
    .send(Buffer.from(JSON.stringify({ __type: error.type, message: error.message, ...error.fields })));
}
