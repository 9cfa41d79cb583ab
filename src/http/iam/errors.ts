// The IAM and STS faces' one error boundary: codes of the models (shared/specs/aws/iam and
// sts.service-2.json, `error.code`) and of the query protocol itself, rendered as
// <ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>…
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ManagementError, type ManagementErrorCode } from '../../domain/management-errors.js';
import { IdentityError } from '../../iam/identities.js';
import { PolicyValidationError } from '../../policy/document.js';
import { SignatureError } from '../../iam/sigv4.js';
import { escapeXml } from './xml.js';

/** Error codes of the IAM and STS models that Berth raises, with the models' HTTP statuses. */
export const MODEL_ERRORS = {
  // iam.service-2.json
  ConcurrentModification: 409,
  DeleteConflict: 409,
  EntityAlreadyExists: 409,
  InvalidInput: 400,
  LimitExceeded: 409,
  MalformedPolicyDocument: 400,
  NoSuchEntity: 404,
  PolicyNotAttachable: 400,
  UnmodifiableEntity: 400,
  PasswordPolicyViolation: 400,
  InvalidUserType: 400,
  EntityTemporarilyUnmodifiable: 409,
  ServiceFailure: 500,
  // sts.service-2.json
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  IDPRejectedClaim: 403,
  InvalidIdentityToken: 400,
  PackedPolicyTooLarge: 400,
} as const;

/** Errors common to every query protocol service (not in the models), with their statuses. */
export const COMMON_ERRORS = {
  AccessDenied: 403,
  ExpiredToken: 400,
  IncompleteSignature: 400,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  MissingParameter: 400,
  SignatureDoesNotMatch: 403,
  ValidationError: 400,
  InternalFailure: 500,
} as const;

export type IamErrorCode = keyof typeof MODEL_ERRORS | keyof typeof COMMON_ERRORS;

export class IamError extends Error {
  constructor(
    readonly code: IamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }

  get status(): number {
    return (MODEL_ERRORS as Record<string, number>)[this.code] ?? (COMMON_ERRORS as Record<string, number>)[this.code]!;
  }
}

const FROM_SIGNATURE: Record<SignatureError['type'], IamErrorCode> = {
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  IncompleteSignatureException: 'IncompleteSignature',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  SignatureDoesNotMatch: 'SignatureDoesNotMatch',
  UnrecognizedClientException: 'InvalidClientTokenId',
  ExpiredTokenException: 'ExpiredToken',
};

/** Tag validation (shared with the ECR face) in IAM's words. */
const FROM_MANAGEMENT: Record<ManagementErrorCode, IamErrorCode> = {
  INVALID_PARAMETER: 'InvalidInput',
  INVALID_TAG_PARAMETER: 'InvalidInput',
  TOO_MANY_TAGS: 'LimitExceeded',
  VALIDATION: 'ValidationError',
  REPOSITORY_ALREADY_EXISTS: 'EntityAlreadyExists',
  REPOSITORY_NOT_EMPTY: 'DeleteConflict',
  REPOSITORY_POLICY_NOT_FOUND: 'NoSuchEntity',
  REGISTRY_POLICY_NOT_FOUND: 'NoSuchEntity',
  REGISTRY_NOT_FOUND: 'NoSuchEntity',
  TEMPLATE_ALREADY_EXISTS: 'EntityAlreadyExists',
  TEMPLATE_NOT_FOUND: 'NoSuchEntity',
  LIMIT_EXCEEDED: 'LimitExceeded',
  SIGNING_CONFIGURATION_NOT_FOUND: 'NoSuchEntity',
};

export function toIamError(err: unknown): IamError | undefined {
  if (err instanceof IamError) return err;
  if (err instanceof IdentityError) return new IamError(err.code, err.message);
  if (err instanceof SignatureError) return new IamError(FROM_SIGNATURE[err.type], err.message);
  if (err instanceof PolicyValidationError) return new IamError('MalformedPolicyDocument', err.message);
  if (err instanceof ManagementError) return new IamError(FROM_MANAGEMENT[err.code], err.message);
  // The one authorization call's refusal (RegistryError DENIED/UNAUTHORIZED) and the policy
  // engine's validation errors arrive by name.
  const named = err as { code?: unknown; name?: unknown; message?: unknown; queryCode?: unknown };
  // Another query service's own error (CloudWatch's face), named by a code every query service has.
  if (typeof named?.queryCode === 'string' && Object.hasOwn(COMMON_ERRORS, named.queryCode))
    return new IamError(named.queryCode as IamErrorCode, String(named.message));
  if (named && (named.code === 'DENIED' || named.code === 'UNAUTHORIZED'))
    return new IamError('AccessDenied', String(named.message));
  return undefined;
}

export function renderIamError(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  namespace = IAM_NAMESPACE,
): FastifyReply {
  let error = toIamError(err);
  if (!error) {
    request.log.error({ err }, 'IAM/STS request failed');
    error = new IamError('InternalFailure', 'An internal error occurred.');
  }
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type>` +
    `<Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${request.id}</RequestId></ErrorResponse>`;
  return reply.code(error.status).header('x-amzn-RequestId', request.id).type('text/xml').send(Buffer.from(body));
}

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
