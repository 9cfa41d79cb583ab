// The one lease claim of the leased outboxes (event deliveries, replication tasks, image scans)
// and of the jobs: a statement picks the oldest due row (in `status`, for the outboxes) whose
// lease is free (never taken, or lapsed; SKIP LOCKED on PostgreSQL), and one UPDATE leases it
// only if it was still in `status` and free when updated, so that two nodes never hold one row.
import type { ExpressionBuilder, Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

/** How each leased table names its rows, when they are due and in which order they are taken. */
const LEASED = {
  event_deliveries: { key: 'id', due: 'next_attempt_at', order: 'next_attempt_at', counted: false },
  replication_tasks: { key: 'id', due: 'next_attempt_at', order: 'next_attempt_at', counted: false },
  // A scan is due once asked for; each lease is counted (a scan that keeps failing is seen).
  image_scans: { key: 'id', due: null, order: 'requested_at', counted: true },
  jobs: { key: 'name', due: 'next_run_at', order: 'next_run_at', counted: false },
} as const;

/** The tables leased this way: each has its key, locked_by and locked_until (LEASED says the rest). */
export type LeasedTable = keyof typeof LEASED;

/** The candidate query, the table aliased as `t`, for a caller to narrow (a replication task waits for older ones). */
export type LeaseCandidates<T extends LeasedTable> = SelectQueryBuilder<
  Database & Record<'t', Database[T]>,
  't',
  Record<string, string>
>;

export interface LeaseClaim {
  node: string;
  now: number;
  leaseUntil: number;
  /** PostgreSQL: skip rows another transaction is claiming rather than wait on them. */
  skipLocked: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the same columns in every leased table, named by strings
type AnyDb = Kysely<any>;

// biome-ignore lint/suspicious/noExplicitAny: see AnyDb
function leaseFree(now: number, column: string): (eb: ExpressionBuilder<any, any>) => any {
  return (eb) => eb.or([eb(column, 'is', null), eb(column, '<', now)]);
}

/**
 * Leases the oldest due row of `table` (in `status`, when the table has one) to `claim.node`
 * until `claim.leaseUntil`; the row leased, if any.
 */
export async function claimLeasedRow<T extends LeasedTable>(
  db: Kysely<Database>,
  table: T,
  status: string | undefined,
  claim: LeaseClaim,
  narrow: (candidates: LeaseCandidates<T>) => LeaseCandidates<T> = (candidates) => candidates,
): Promise<Selectable<Database[T]> | undefined> {
  const { node, now, leaseUntil } = claim;
  const { key, due: dueColumn, order, counted } = LEASED[table];
  const any = db as unknown as AnyDb;
  let candidates = any
    .selectFrom(`${table as string} as t`)
    .select(`t.${key}`)
    .where(leaseFree(now, 't.locked_until'));
  if (status !== undefined) candidates = candidates.where('t.status', '=', status);
  if (dueColumn !== null) candidates = candidates.where(`t.${dueColumn}`, '<=', now);
  let due = narrow(candidates as unknown as LeaseCandidates<T>)
    .orderBy(`t.${order}` as never)
    .limit(1);
  if (claim.skipLocked) due = due.forUpdate().skipLocked();
  // One statement: the row is leased only if it was still due and free when updated.
  let lease = any
    .updateTable(table as string)
    .set((eb) => ({
      locked_by: node,
      locked_until: leaseUntil,
      ...(counted && { attempts: eb('attempts', '+', 1) }),
    }))
    .where(key, '=', due)
    .where(leaseFree(now, 'locked_until'));
  if (status !== undefined) lease = lease.where('status', '=', status);
  const row = await lease.returningAll().executeTakeFirst();
  return row as Selectable<Database[T]> | undefined;
}
