// The one boundary that renders errors of the registry protocol: the spec's
// {"errors":[{code,message,detail}]} envelope with the catalogue's status (for /v2, http/oci,
// and the public registry's token endpoint, http/public).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, RegistryError, type ErrorCode } from '../domain/errors.js';
import { KmsError } from '../domain/kms-errors.js';
import { IntegrityError } from '../domain/integrity.js';
import { isStorageFull, STORAGE_FULL_MESSAGE } from '../domain/storage-full.js';

/** Framework and transport errors (bad body, bad URL, aborted request) mapped into the catalogue. */
function fromFrameworkError(err: FastifyError): RegistryError | undefined {
  const status = err.statusCode ?? 500;
  if (status >= 500) return undefined;
  const code: ErrorCode =
    status === 413
      ? 'SIZE_INVALID'
      : status === 415
        ? 'UNSUPPORTED'
        : status === 404
          ? 'NAME_UNKNOWN'
          : 'BLOB_UPLOAD_INVALID';
  return new RegistryError(code, err.message, undefined, { status });
}

export function toRegistryError(err: unknown): RegistryError | undefined {
  if (err instanceof RegistryError) return err;
  // The repository's KMS key is disabled, pending deletion or gone: its content is not readable.
  if (err instanceof KmsError)
    return new RegistryError('DENIED', `KMS key unavailable (${err.type}): ${err.message}`, { kmsError: err.type });
  if (err instanceof IntegrityError)
    return new RegistryError('UNKNOWN', `stored content failed its integrity check: ${err.message}`, undefined, {
      status: 500,
    });
  // Out of disk (blob bytes, an upload, the database): 507 Insufficient Storage, with the spec's UNKNOWN code.
  if (isStorageFull(err)) return new RegistryError('UNKNOWN', STORAGE_FULL_MESSAGE, undefined, { status: 507 });
  const code = (err as NodeJS.ErrnoException)?.code;
  // The client went away or sent a body that ended early: a client error, not ours.
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted') {
    return new RegistryError('BLOB_UPLOAD_INVALID', 'request body ended before it was complete', undefined, {
      status: 400,
    });
  }
  if (typeof (err as FastifyError)?.statusCode === 'number') return fromFrameworkError(err as FastifyError);
  return undefined;
}

export function renderError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let error = toRegistryError(err);
  if (err instanceof IntegrityError) request.log.error({ err }, 'stored content failed its integrity check');
  if (isStorageFull(err)) request.log.error({ err }, 'storage is full');
  if (!error) {
    request.log.error({ err }, 'request failed');
    error = new RegistryError('UNKNOWN', ErrorCodes.UNKNOWN.message);
  }
  const entry: { code: string; message: string; detail?: unknown } = { code: error.code, message: error.message };
  if (error.detail !== undefined) entry.detail = error.detail;
  // Docker and other clients answer a 401 by logging in with Basic credentials.
  if (error.status === 401 && !error.headers['WWW-Authenticate'])
    reply.header('WWW-Authenticate', 'Basic realm="Berth"');
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json')
    .send({ errors: [entry] });
}
