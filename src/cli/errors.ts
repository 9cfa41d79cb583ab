// Failures a command reports as a one-line message and exit status 1, without a stack trace.
import { LoginError } from '../client/authorization.js';
import { ManagementError } from '../domain/management-errors.js';
import { IdentityError } from '../iam/identities.js';
import { TlsError } from '../tls/credentials.js';

export class CommandError extends Error {
  override name = 'CommandError';
}

/** True for the errors that are the user's to fix, not Berth's. */
export function isUserError(err: unknown): err is Error {
  return err instanceof CommandError || err instanceof IdentityError || err instanceof LoginError || err instanceof TlsError || err instanceof ManagementError;
}
