// Failures a command reports as a one-line message and exit status 1, without a stack trace.
import { LoginError } from '../client/authorization.js';
import { ConfigError } from '../config/load.js';
import { DeploymentError } from '../app/deployment-error.js';
import { ManagementError } from '../domain/management-errors.js';
import { IdentityError } from '../iam/identities.js';
import { TlsError } from '../tls/credentials.js';

export class CommandError extends Error {
  override name = 'CommandError';
}

/** True for the errors that are the user's to fix, not Berth's. */
export function isUserError(err: unknown): err is Error {
  return (
    err instanceof CommandError ||
    err instanceof IdentityError ||
    err instanceof LoginError ||
    err instanceof TlsError ||
    err instanceof ManagementError ||
    err instanceof DeploymentError
  );
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it exists and is not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

const VERBS: Record<string, string> = {
  mkdir: 'create the directory',
  open: 'open',
  read: 'read',
  write: 'write',
  link: 'create',
  unlink: 'remove',
  rename: 'rename',
  stat: 'read',
  scandir: 'list',
  access: 'access',
  lstat: 'read',
  chmod: 'change the mode of',
};

/** A file-system failure (an errno error with a path) as one line: "cannot create the directory /x: permission denied". */
export function fileSystemProblem(err: unknown): string | undefined {
  const { code, syscall, path } = (err ?? {}) as NodeJS.ErrnoException;
  if (!code || !path || !REASONS[code]) return undefined;
  const reason = code === 'EEXIST' && syscall !== 'mkdir' ? 'it exists already' : REASONS[code];
  return `cannot ${VERBS[syscall ?? ''] ?? syscall ?? 'use'} ${path}: ${reason}`;
}

/** Prints what went wrong as the command's last words and exits: 2 for configuration, else 1. */
export function reportError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const { syscall, code, address, port } = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    const reason =
      code === 'EADDRINUSE'
        ? 'the address is in use'
        : code === 'EACCES'
          ? 'permission denied'
          : 'no such address on this machine';
    process.stderr.write(`berth: cannot listen on ${address}:${port}: ${reason}\n`);
    process.exit(1);
  }
  const fileProblem = fileSystemProblem(err);
  if (fileProblem) {
    process.stderr.write(`berth: ${fileProblem}\n`);
    process.exit(1);
  }
  if (isUserError(err)) {
    process.stderr.write(`berth: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`berth: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
}
