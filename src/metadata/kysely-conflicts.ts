// Writes racing other writes on the same rows, as both backends report them: a row whose
// repository (or manifest) another transaction deleted meanwhile fails its foreign key; two
// PostgreSQL transactions that lock rows in different orders deadlock, one of them aborted.
import type { Kysely } from 'kysely';
import { RegistryError } from '../domain/errors.js';
import type { Database } from './schema.js';

/** PostgreSQL's foreign_key_violation, SQLite's FOREIGN KEY constraint failure. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** PostgreSQL's serialization_failure and deadlock_detected: the transaction may simply run again. */
function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/** Runs `work` (a whole transaction) again when the database aborted it for a conflict. */
export async function retryingConflicts<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isRetryableConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
}

/** The error of a write into a repository deleted meanwhile: NAME_UNKNOWN, as if it never was. */
export function repositoryGone(): RegistryError {
  return new RegistryError('NAME_UNKNOWN', 'the repository was deleted while this request was handled');
}

/**
 * Runs a write of rows on the repository `repositoryId`; a foreign key failure because the
 * repository is gone is NAME_UNKNOWN. Any other failure (the repository is still there) is rethrown.
 */
export async function inRepository<T>(db: Kysely<Database>, repositoryId: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (
      isForeignKeyViolation(err) &&
      !(await db.selectFrom('repositories').select('id').where('id', '=', repositoryId).executeTakeFirst())
    )
      throw repositoryGone();
    throw err;
  }
}
