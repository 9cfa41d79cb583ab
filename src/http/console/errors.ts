// A refused console action in the API's own words: the message the ECR API would send (a denial
// as AccessDeniedException, named), with a 4xx; anything else is the server's fault and rethrown.
import { ManagementError } from '../../domain/management-errors.js';
import { PolicyValidationError } from '../../policy/document.js';

export interface Problem {
  status: number;
  message: string;
}

export function problem(err: unknown): Problem | undefined {
  const known = err as { code?: unknown; status?: unknown; message?: unknown; type?: unknown };
  if (known && (known.code === 'DENIED' || known.code === 'UNAUTHORIZED'))
    return { status: 403, message: `AccessDeniedException: ${String(known.message)}` };
  if (err instanceof ManagementError || err instanceof PolicyValidationError)
    return { status: 400, message: (err as Error).message };
  // The services' ECR exceptions (lifecycle, pull-through, scanning) carry the exception's name.
  if (err instanceof Error && typeof known.type === 'string' && /^[A-Z][A-Za-z]+Exception$/.test(known.type))
    return {
      status: known.type === 'LimitExceededException' ? 429 : known.type.endsWith('NotFoundException') ? 404 : 400,
      message: `${known.type}: ${err.message}`,
    };
  if (err instanceof Error && typeof known.status === 'number' && known.status >= 400 && known.status < 500)
    return { status: known.status, message: err.message };
  // IAM's errors (IdentityError) are named by their code: shown as IAM names them, with IAM's status.
  if (err instanceof Error && typeof known.code === 'string' && known.code === err.name)
    return {
      status: known.code === 'NoSuchEntity' ? 404 : known.code === 'EntityAlreadyExists' ? 409 : 400,
      message: `${known.code}: ${err.message}`,
    };
  if (err instanceof Error && typeof known.code === 'string' && /^[A-Z][A-Za-z]+$/.test(known.code))
    return { status: 400, message: err.message };
  return undefined;
}

/** The problem of a refusal, or the error again. */
export function refusal(err: unknown): Problem {
  const found = problem(err);
  if (!found) throw err;
  return found;
}
