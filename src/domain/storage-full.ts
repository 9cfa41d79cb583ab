// Whether an error says the registry ran out of room: the file system (ENOSPC, or EDQUOT for a
// quota), SQLite (SQLITE_FULL) or PostgreSQL (53100 disk_full). Such a failure is the operator's
// to fix, not a bug: each protocol's error boundary answers it as "storage is full" (507).

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);

export const STORAGE_FULL_MESSAGE = "the registry's storage is full: free space or add capacity, then try again";

export function isStorageFull(err: unknown): boolean {
  // A wrapped error (a stream's, a driver's) keeps the original as its cause.
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
  }
  return false;
}
