// The AWS JSON protocol's one error boundary: an exception by its name, rendered as
// {"__type","message", …fields} with x-amzn-ErrorType. The protocol's own exceptions (not in any
// service model) and the failures no face owns are named here; each face names its service's
// errors by its own model (its part of the catalogue, AwsJsonFace.errors).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../domain/errors.js';
import { IntegrityError } from '../../domain/integrity.js';
import { isStorageFull, STORAGE_FULL_MESSAGE } from '../../domain/storage-full.js';
import { SignatureError } from '../../iam/sigv4.js';
import { JSON_CONTENT_TYPE } from './protocol.js';

/** Exceptions of the AWS JSON protocol itself (not in the service models), with their statuses. */
export const PROTOCOL_EXCEPTIONS = {
  AccessDeniedException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  MissingAuthenticationTokenException: 403,
  SerializationException: 400,
  UnknownOperationException: 400,
  UnrecognizedClientException: 400,
  ValidationException: 400,
} as const;

export type ProtocolExceptionName = keyof typeof PROTOCOL_EXCEPTIONS;

/** An exception's status: the protocol's for its own exceptions, else 400 (a client error). */
export function statusOf(type: string): number {
  return (PROTOCOL_EXCEPTIONS as Record<string, number>)[type] ?? 400;
}

/** What every JSON face answers for a failure it cannot name: the server fault of the ECR models. */
const SERVER_EXCEPTION = 'ServerException';

/**
 * An exception by its name. Faces raise it through their own subclass, which limits the names
 * to their model's and gives each its status (400 unless the model says otherwise).
 */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
    readonly status: number = statusOf(type),
  ) {
    super(message);
    this.name = type;
  }
}

/** The protocol's own exceptions, on any face. */
export function protocolError(type: ProtocolExceptionName, message: string): AwsJsonError {
  return new AwsJsonError(type, message);
}

/** A face's part of the catalogue: a service's error as one of the face's exceptions, undefined when not its own. */
export type ErrorTranslator = (err: unknown) => AwsJsonError | undefined;

/**
 * How an error reads on a face: the failures every face shares (a full storage, a signature
 * refused, an access refusal, content that fails its integrity check), else the face's own.
 */
export function toAwsJsonError(err: unknown, translate?: ErrorTranslator): AwsJsonError | undefined {
  if (err instanceof AwsJsonError) return err;
  // The operator's to fix, not a bug: the model's server fault, but 507 and saying why.
  if (isStorageFull(err) || (err instanceof RegistryError && err.status === 507))
    return new AwsJsonError(SERVER_EXCEPTION, STORAGE_FULL_MESSAGE, {}, 507);
  if (err instanceof IntegrityError)
    return new AwsJsonError(SERVER_EXCEPTION, `stored content failed its integrity check: ${err.message}`, {}, 500);
  if (err instanceof SignatureError)
    return protocolError(
      err.type === 'SignatureDoesNotMatch'
        ? 'InvalidSignatureException'
        : err.type === 'ExpiredTokenException'
          ? 'UnrecognizedClientException'
          : err.type,
      err.message,
    );
  // The access tier's refusals, whichever service asked.
  if (err instanceof RegistryError && (err.code === 'DENIED' || err.code === 'UNAUTHORIZED'))
    return protocolError('AccessDeniedException', err.message);
  return translate?.(err);
}

/** Renders `err` as the face that `translate` belongs to names it (the protocol's names alone before a face is known). */
export function renderAwsJsonError(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  translate?: ErrorTranslator,
): FastifyReply {
  let error = toAwsJsonError(err, translate);
  if (err instanceof IntegrityError) request.log.error({ err }, 'stored content failed its integrity check');
  if (error?.status === 507) request.log.error({ err }, 'storage is full');
  if (!error) {
    request.log.error({ err }, 'API request failed');
    error = new AwsJsonError(SERVER_EXCEPTION, 'An internal error occurred.', {}, 500);
  }
  return reply
    .code(error.status)
    .header('x-amzn-RequestId', request.id)
    .header('x-amzn-ErrorType', error.type)
    .type(JSON_CONTENT_TYPE)
    .send(Buffer.from(JSON.stringify({ __type: error.type, message: error.message, ...error.fields })));
}
